/**
 * Bad input gives a clear error and leaves nothing behind: no VM folder, no stray files in the
 * VM home, no QEMU process for the VM.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { needQemu } from '../../harness/env';
import { ensureGuest, type GuestFixture } from '../../harness/guest';
import { VmStore, freePort, probeKvm, vmPaths } from '../../../src/backends/qemu';
import { pidsMentioning } from '../../harness/processes';
import { RecordingRunner } from '../../harness/runner';
import { skipLoudly } from '../../harness/skip';

describe('QEMU VMs: bad input', function () {
  this.timeout(120_000);
  let guest: GuestFixture;
  let home: string;
  let scratch: string;
  let store: VmStore;

  before(function () {
    this.timeout(300_000);
    needQemu(this);
    guest = ensureGuest();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-bad-'));
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-bad-in-'));
    store = new VmStore(home, { accelerator: 'auto', cpuModel: 'auto' });
  });

  after(() => {
    for (const pid of pidsMentioning(home)) process.kill(pid, 'SIGKILL');
    store?.dispose();
    for (const d of [home, scratch]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  /** Nothing in the home but the VMs listed. */
  function homeHas(...names: string[]): void {
    assert.deepStrictEqual(fs.readdirSync(home).sort(), names.sort());
    assert.deepStrictEqual(pidsMentioning(home), []);
  }

  it('a missing disk image', async () => {
    await assert.rejects(
      store.create({ name: 'm1', source: { kind: 'disk', image: path.join(scratch, 'nope.qcow2') } }),
      /Disk image not found: .*nope\.qcow2/,
    );
    homeHas();
  });

  it('a corrupt qcow2 image', async () => {
    const f = path.join(scratch, 'corrupt.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', f, '64M']);
    // Keep the qcow2 magic, scribble over the header fields after it.
    const fd = fs.openSync(f, 'r+');
    fs.writeSync(fd, Buffer.alloc(96, 0xff), 0, 96, 4);
    fs.closeSync(fd);
    await assert.rejects(
      store.create({ name: 'c1', source: { kind: 'disk', image: f } }),
      /qemu-img cannot read .*corrupt\.qcow2|is corrupt/,
    );
    homeHas();
  });

  it('a file that is not a disk image at all', async () => {
    const f = path.join(scratch, 'notes.img');
    fs.writeFileSync(f, 'these are not the sectors you are looking for\n');
    await assert.rejects(
      store.create({ name: 'c2', source: { kind: 'disk', image: f } }),
      /is not a disk image/,
    );
    homeHas();
  });

  it('an ISO that is not one', async () => {
    const f = path.join(scratch, 'installer.iso');
    fs.writeFileSync(f, Buffer.alloc(64 * 1024, 0x41));
    await assert.rejects(
      store.create({ name: 'i1', source: { kind: 'iso', iso: f, diskGiB: 8 } }),
      /is not an ISO 9660 image/,
    );
    homeHas();
  });

  it('a kernel that is not one', async () => {
    await assert.rejects(
      store.create({ name: 'k1', source: { kind: 'kernel', kernel: guest.initrd } }),
      /is not an x86 Linux kernel/,
    );
    homeHas();
  });

  it('invalid names', async () => {
    for (const name of ['../evil', 'a b', '', '-x', 'x'.repeat(64), 'semi;colon', 'dot.']) {
      await assert.rejects(
        store.create({ name, source: { kind: 'kernel', kernel: guest.kernel } }),
        /VM name/,
        `name ${JSON.stringify(name)}`,
      );
    }
    homeHas();
    assert.ok(!fs.existsSync(path.join(path.dirname(home), 'evil')));
  });

  it('KVM requested where it is not usable: a clear error with the reason, nothing started', async function () {
    const probe = await probeKvm();
    // Only a machine without usable KVM can show this error; elsewhere the case is skipped, counted.
    if (probe.kvmUsable)
      skipLoudly(this, 'KVM works on this machine: the "KVM unusable" error cannot be produced');
    await store.create({
      name: 'kvm1',
      memoryMiB: 128,
      source: { kind: 'kernel', kernel: guest.kernel, initrd: guest.initrd, cmdline: guest.cmdline },
    });
    const kvmStore = new VmStore(home, { accelerator: 'kvm', cpuModel: 'auto' });
    await assert.rejects(
      kvmStore.start('kvm1'),
      (e: Error) =>
        e.message.includes('KVM was requested but is not usable') && e.message.includes(probe.why),
    );
    const p = vmPaths(path.join(home, 'kvm1'));
    assert.ok(!fs.existsSync(p.pidfile) && !fs.existsSync(p.qmpSock));
    assert.deepStrictEqual(pidsMentioning(p.dir), [], 'no QEMU for the VM');
    homeHas('kvm1');
    await store.delete('kvm1');
  });

  it('-cpu host under TCG: a clear error, nothing started (runs with or without KVM)', async () => {
    await store.create({
      name: 'tcghost',
      memoryMiB: 128,
      source: { kind: 'kernel', kernel: guest.kernel, initrd: guest.initrd, cmdline: guest.cmdline },
    });
    const hostCpu = new VmStore(home, { accelerator: 'tcg', cpuModel: 'host' });
    await assert.rejects(hostCpu.start('tcghost'), /CPU model "host" needs KVM/);
    const p = vmPaths(path.join(home, 'tcghost'));
    assert.ok(!fs.existsSync(p.pidfile) && !fs.existsSync(p.qmpSock));
    assert.deepStrictEqual(pidsMentioning(p.dir), [], 'no QEMU for the VM');
    homeHas('tcghost');
    await store.delete('tcghost');
  });

  it('a host port that is already taken', async () => {
    const port = await freePort();
    const squatter = net.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => squatter.once('listening', r));
    try {
      await store.create({
        name: 'port1',
        memoryMiB: 128,
        source: { kind: 'kernel', kernel: guest.kernel, initrd: guest.initrd, cmdline: guest.cmdline },
        forwards: [{ host: port, guest: 80, proto: 'tcp' }],
      });
      await assert.rejects(store.start('port1'), new RegExp(`127\\.0\\.0\\.1:${port} is already in use`));
      assert.strictEqual(store.info('port1').state, 'stopped');
      const p = vmPaths(path.join(home, 'port1'));
      assert.ok(!fs.existsSync(p.pidfile) && !fs.existsSync(p.qmpSock) && !fs.existsSync(p.serialSock));
      homeHas('port1');
    } finally {
      squatter.close();
    }
    await store.delete('port1');
    homeHas();
  });

  it('a VM whose disk went missing, or whose overlay QEMU cannot open', async () => {
    await store.create({
      name: 'gone',
      memoryMiB: 128,
      source: {
        kind: 'kernel',
        kernel: guest.kernel,
        initrd: guest.initrd,
        cmdline: guest.cmdline,
        disk: guest.disk,
      },
    });
    const p = vmPaths(path.join(home, 'gone'));
    fs.renameSync(path.join(p.dir, 'disk0.qcow2'), path.join(scratch, 'moved.qcow2'));
    await assert.rejects(store.start('gone'), /Disk .*disk0\.qcow2 of VM "gone" is missing/);
    // Garbage where the overlay was: QEMU itself refuses, and its reason reaches the user.
    fs.writeFileSync(path.join(p.dir, 'disk0.qcow2'), Buffer.alloc(4096, 0x5a));
    await assert.rejects(store.start('gone'), /QEMU failed to start VM "gone": .*(disk0\.qcow2|format|raw)/s);
    assert.strictEqual(store.info('gone').state, 'stopped');
    assert.ok(!fs.existsSync(p.pidfile) && !fs.existsSync(p.qmpSock));
    assert.deepStrictEqual(pidsMentioning(home), []);
    await store.delete('gone');
    homeHas();
  });

  it('qemu-img not installed: the error names the binary and its Debian package', async () => {
    // The real runner with an empty PATH: what a user without qemu-utils sees.
    const empty = fs.mkdtempSync(path.join(scratch, 'empty-path-'));
    const noTools = new VmStore(
      home,
      { accelerator: 'auto', cpuModel: 'auto' },
      undefined,
      new RecordingRunner({ PATH: empty }),
    );
    await assert.rejects(
      noTools.create({ name: 'nt1', source: { kind: 'disk', image: guest.disk } }),
      (e: Error) => e.message === 'qemu-img was not found: install the Debian package qemu-utils.',
    );
    homeHas();
  });

  it('a corrupt spec.json or pidfile is a VM with a problem, not a crash', async () => {
    await store.create({
      name: 'stale',
      memoryMiB: 128,
      source: { kind: 'kernel', kernel: guest.kernel, initrd: guest.initrd, cmdline: guest.cmdline },
    });
    const broken: Record<string, (dir: string) => void> = {
      junk: (d) => fs.writeFileSync(path.join(d, 'spec.json'), '{"name": "junk", cpus: 2'),
      numeric: (d) => fs.writeFileSync(path.join(d, 'spec.json'), '{"name": 5}'),
      other: (d) =>
        fs.writeFileSync(path.join(d, 'spec.json'), fs.readFileSync(vmPaths(path.join(home, 'stale')).spec)),
      folder: (d) => fs.mkdirSync(path.join(d, 'spec.json')),
      nothing: () => undefined,
    };
    for (const [name, make] of Object.entries(broken)) {
      fs.mkdirSync(path.join(home, name));
      make(path.join(home, name));
    }
    // Pidfiles that must not be believed: garbage, init's pid, a negative number.
    const p = vmPaths(path.join(home, 'stale'));
    for (const text of ['garbage\n', '1\n', '-5\n', `${process.pid}\n`]) {
      fs.writeFileSync(p.pidfile, text);
      await store.attachRunning();
      assert.ok(!fs.existsSync(p.pidfile), `a stale pidfile holding ${JSON.stringify(text)} is removed`);
      assert.strictEqual(store.info('stale').state, 'stopped');
    }
    // Folders made outside the store reach its model on a refresh (or the safety poll).
    await store.refresh();
    const byName = new Map(store.list().map((i) => [i.name, i]));
    assert.match(byName.get('junk')?.problem ?? '', /^junk\/spec\.json cannot be read: .*JSON/);
    assert.match(byName.get('numeric')?.problem ?? '', /"name" must be a string/);
    assert.match(byName.get('other')?.problem ?? '', /spec\.json names "stale", but the folder is "other"/);
    assert.match(byName.get('folder')?.problem ?? '', /^folder\/spec\.json cannot be read: .*EISDIR/);
    assert.strictEqual(byName.get('nothing')?.problem, 'spec.json is missing');
    for (const name of Object.keys(broken)) {
      assert.strictEqual(byName.get(name)?.spec, undefined, name);
      assert.strictEqual(byName.get(name)?.state, 'stopped', name);
    }
    await assert.rejects(store.start('junk'), /VM "junk" cannot start: junk\/spec\.json cannot be read/);
    assert.deepStrictEqual(pidsMentioning(home), []);
    for (const name of Object.keys(broken)) fs.rmSync(path.join(home, name), { recursive: true });
    await store.delete('stale');
    homeHas();
  });

  it('a duplicate name', async () => {
    await store.create({ name: 'dup', source: { kind: 'kernel', kernel: guest.kernel } });
    await assert.rejects(
      store.create({ name: 'dup', source: { kind: 'kernel', kernel: guest.kernel } }),
      /already exists/,
    );
    await store.delete('dup');
    homeHas();
  });
});
