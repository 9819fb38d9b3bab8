import * as assert from 'assert';
import { qemuArgs, effectiveCmdline, hostTscKhz } from '../../../../src/backends/qemu/args';
import { resolveAcceleration } from '../../../../src/backends/qemu/accel';
import { vmPaths } from '../../../../src/backends/qemu/paths';
import { parseVmSpec } from '../../../../src/backends/qemu/spec';
import { at } from '../../../harness/pick';

const tcg = { accel: 'tcg' as const, cpuModel: 'max', why: 'test' };
const kvm = { accel: 'kvm' as const, cpuModel: 'host', why: 'test' };

function after(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? args.slice(i + 1, i + 2) : []));
}

describe('qemu: arguments', () => {
  const paths = vmPaths('/var/vms/web');

  it('binds port forwards to 127.0.0.1 only', () => {
    const spec = parseVmSpec({
      name: 'web',
      machine: 'q35',
      disks: [{ file: 'disk0.qcow2' }],
      network: { forwards: ['8080:80', '5353:53/udp'] },
    });
    const netdev = at(after(qemuArgs(spec, paths, kvm), '-netdev'), 0);
    assert.strictEqual(netdev, 'user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:127.0.0.1:5353-:53');
  });

  it('uses virtio-mmio devices on microvm and PCI on q35, with QMP, serial socket+log and pidfile', () => {
    const micro = qemuArgs(
      parseVmSpec({ name: 'k', kernel: '/k', initrd: '/i', disks: [{ file: 'd.qcow2' }] }),
      paths,
      tcg,
    );
    assert.deepStrictEqual(after(micro, '-device'), [
      'virtio-blk-device,drive=disk0',
      'virtio-net-device,netdev=net0',
    ]);
    assert.deepStrictEqual(after(micro, '-drive'), [
      'file=/var/vms/web/d.qcow2,format=qcow2,if=none,id=disk0',
    ]);
    assert.deepStrictEqual(after(micro, '-qmp'), ['unix:/var/vms/web/qmp.sock,server=on,wait=off']);
    assert.match(
      at(after(micro, '-chardev'), 0),
      /^socket,id=ser0,path=\/var\/vms\/web\/serial\.sock,server=on,wait=off,logfile=\/var\/vms\/web\/serial\.log/,
    );
    assert.deepStrictEqual(after(micro, '-pidfile'), ['/var/vms/web/qemu.pid']);
    assert.ok(!micro.includes('-S'));
    const q35 = qemuArgs(
      parseVmSpec({ name: 'q', machine: 'q35', disks: [{ file: 'd.qcow2' }], cdrom: '/iso/inst.iso' }),
      paths,
      kvm,
    );
    assert.deepStrictEqual(after(q35, '-device'), [
      'virtio-blk-pci,drive=disk0,bootindex=0',
      'ide-cd,drive=cd0,bootindex=1',
      'virtio-net-pci,netdev=net0',
      'virtio-rng-pci',
    ]);
    assert.ok(
      after(q35, '-drive').includes('file=/iso/inst.iso,format=raw,if=none,id=cd0,readonly=on,media=cdrom'),
    );
  });

  it('gives a microvm with shared folders a PCIe bus and shared memory for virtiofsd', () => {
    const a = qemuArgs(
      parseVmSpec({ name: 'k', kernel: '/k', shares: [{ tag: 'src', path: '/home/me/src' }] }),
      paths,
      tcg,
    );
    assert.ok(a.includes('microvm,pcie=on'));
    assert.ok(a.includes('memory-backend-memfd,id=mem,size=512M,share=on'));
    assert.ok(after(a, '-device').includes('vhost-user-fs-pci,chardev=fs0,tag=src'));
  });

  it('adds tsc_early_khz only for TCG microvms, and never twice', () => {
    const spec = parseVmSpec({ name: 'k', kernel: '/k', cmdline: 'console=ttyS0' });
    assert.strictEqual(effectiveCmdline(spec, tcg, 2600000), 'console=ttyS0 tsc_early_khz=2600000');
    assert.strictEqual(effectiveCmdline(spec, kvm, 2600000), 'console=ttyS0');
    assert.strictEqual(
      effectiveCmdline(parseVmSpec({ name: 'k', kernel: '/k', cmdline: 'tsc_early_khz=1' }), tcg, 2600000),
      'tsc_early_khz=1',
    );
    assert.strictEqual(hostTscKhz('cpu MHz\t\t: 2599.998\n'), 2599998);
  });

  it('keeps socket paths short enough for unix sockets', () => {
    const long = vmPaths(
      '/home/someone/.vscode-server/data/User/globalStorage/podvisor.podvisor/vms/a-rather-long-vm-name-here',
    );
    assert.ok(long.qmpSock.length < 108 && long.shareSock('x'.repeat(36)).length < 108, long.qmpSock);
    assert.notStrictEqual(long.sockDir, long.dir);
  });
});

describe('qemu: accelerator choice', () => {
  const noKvm = { kvmUsable: false, why: '/dev/kvm is kvm_pvm' };
  const yesKvm = { kvmUsable: true, why: 'KVM works' };
  it('auto picks KVM+host where KVM works and TCG+max elsewhere', () => {
    assert.deepStrictEqual(resolveAcceleration('auto', 'auto', yesKvm), {
      accel: 'kvm',
      cpuModel: 'host',
      why: 'KVM works',
    });
    const t = resolveAcceleration('auto', 'auto', noKvm);
    assert.strictEqual(t.accel, 'tcg');
    assert.strictEqual(t.cpuModel, 'max');
    assert.match(t.why, /kvm_pvm/);
  });
  it('refuses KVM when unusable and -cpu host without KVM, saying why', () => {
    assert.throws(
      () => resolveAcceleration('kvm', 'auto', noKvm),
      /KVM was requested but is not usable: \/dev\/kvm is kvm_pvm/,
    );
    assert.throws(() => resolveAcceleration('tcg', 'host', yesKvm), /"host" needs KVM/);
    assert.throws(() => resolveAcceleration('auto', 'bad model!', yesKvm), /not a CPU model/);
  });
});

describe('qemu: arguments of engine VMs, displays and restores', () => {
  const paths = vmPaths('/var/vms/eng');
  const engine = parseVmSpec({
    name: 'eng',
    machine: 'q35',
    kernel: '/img/vmlinuz',
    initrd: '/img/initrd.cpio',
    disks: [{ file: 'disk0.qcow2' }],
    seed: 'seed.iso',
    channels: ['org.podvisor.engine'],
    engine: { kind: 'docker' },
    network: { forwards: ['2201:22'] },
    ssh: { user: 'root', port: 2201 },
  });

  it('gives a kernel-booted q35 VM its seed as a virtio disk (the cloud kernel has no AHCI)', () => {
    const a = qemuArgs(engine, paths, tcg);
    assert.ok(
      after(a, '-drive').includes('file=/var/vms/eng/seed.iso,format=raw,if=none,id=seed,readonly=on'),
    );
    assert.ok(after(a, '-device').includes('virtio-blk-pci,drive=seed'));
    assert.ok(!after(a, '-device').some((d) => d.startsWith('ide-cd')));
  });

  it('serves each channel on a socket of its own in the runtime folder', () => {
    const a = qemuArgs(engine, paths, tcg);
    const devs = after(a, '-device');
    assert.ok(devs.includes('virtio-serial-pci,id=vser0'));
    assert.ok(devs.includes('virtserialport,bus=vser0.0,chardev=ch0,name=org.podvisor.engine'));
    assert.ok(
      after(a, '-chardev').includes(
        `socket,id=ch0,path=${paths.channelSock('org.podvisor.engine')},server=on,wait=off`,
      ),
    );
  });

  it('restores from the saved state with a constant command line (no path in the shell text)', () => {
    const a = qemuArgs(engine, paths, tcg, { incoming: true });
    assert.deepStrictEqual(after(a, '-incoming'), ['exec:cat memory.state']);
    assert.deepStrictEqual(after(qemuArgs(engine, paths, tcg), '-incoming'), []);
  });

  it('puts a VNC display on a unix socket only, with an absolute pointer', () => {
    const a = qemuArgs(
      parseVmSpec({ name: 'gui', machine: 'q35', disks: [{ file: 'd.qcow2' }], display: 'vnc' }),
      paths,
      tcg,
    );
    assert.deepStrictEqual(after(a, '-vnc'), [`unix:${paths.vncSock}`]);
    assert.deepStrictEqual(after(a, '-vga'), ['std']);
    assert.ok(after(a, '-device').includes('usb-tablet,bus=usb0.0'));
  });
});
