import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import YAML from 'yaml';
import {
  clusterUserData,
  containerDiskDockerfile,
  kubeName,
  kubevirtManifest,
} from '../../../../src/backends/qemu/kubevirtExport';
import { readSeedIso } from '../../../../src/backends/qemu/seedRead';
import { writeSeedIso } from '../../../../src/backends/qemu/seed';
import { parseVmSpec } from '../../../../src/backends/qemu/spec';
import { kubevirtPlan } from '../../../../src/sandbox/kubevirt';
import { ManifestService } from '../../../../src/manifests/service';
import { SCHEMA_DIR } from '../../manifests/corpusLib';

const SPEC = parseVmSpec({
  name: 'Web_Server.1',
  cpus: 2,
  memoryMiB: 768,
  machine: 'microvm',
  kernel: '/k/vmlinuz',
  initrd: '/k/initrd',
  cmdline: 'console=ttyS0 pv.root=/dev/vda',
  disks: [{ file: 'disk0.qcow2', format: 'qcow2', base: '/b/disk.raw' }],
  seed: 'seed.iso',
  network: { mode: 'user', forwards: ['2222:22', '8053:53/udp'] },
});

describe('qemu: Export to KubeVirt', () => {
  it('makes a VirtualMachine with the VM’s CPUs, memory, disk, ports, kernel and cloud-init', () => {
    const { manifest, notes } = kubevirtManifest({
      spec: SPEC,
      image: 'reg.local:5000/podvisor/web:1',
      userData: '#cloud-config\nhostname: web\n',
    });
    const yaml = YAML.stringify(manifest);
    const m = manifest as {
      metadata: { name: string };
      spec: { template: { spec: Record<string, unknown> } };
    };
    assert.strictEqual(m.metadata.name, 'web-server-1', 'an RFC 1123 name');
    const t = m.spec.template.spec as {
      domain: {
        cpu: { cores: number };
        memory: { guest: string };
        devices: { interfaces: Array<{ ports: unknown[] }> };
        firmware: { kernelBoot: { kernelArgs: string; container: { image: string; initrdPath: string } } };
      };
      volumes: Array<Record<string, unknown>>;
    };
    assert.strictEqual(t.domain.cpu.cores, 2);
    assert.strictEqual(t.domain.memory.guest, '768Mi');
    assert.deepStrictEqual(t.domain.devices.interfaces[0]?.ports, [
      { port: 22 },
      { port: 53, protocol: 'UDP' },
    ]);
    assert.strictEqual(t.domain.firmware.kernelBoot.kernelArgs, 'console=ttyS0 pv.root=/dev/vda');
    assert.strictEqual(t.domain.firmware.kernelBoot.container.initrdPath, '/boot/initrd');
    assert.deepStrictEqual(t.volumes[0], {
      name: 'rootdisk',
      containerDisk: { image: 'reg.local:5000/podvisor/web:1' },
    });
    assert.deepStrictEqual(notes, []);

    // Podvisor's own validator finds no error in it.
    const svc = new ManifestService({ schemaDir: SCHEMA_DIR });
    const errors = svc.open('export.yaml', yaml).filter((d) => d.severity === 'error');
    assert.deepStrictEqual(errors, []);

    // And "Run locally" reads back what was exported.
    const plan = kubevirtPlan({ file: 'export.yaml', index: 0, value: manifest });
    assert.strictEqual(plan.cpus, 2);
    assert.strictEqual(plan.memoryMiB, 768);
    assert.deepStrictEqual(plan.containerDisk, { image: 'reg.local:5000/podvisor/web:1' });
    assert.strictEqual(plan.kernelBoot?.kernelPath, '/boot/vmlinuz');
    assert.strictEqual(plan.cloudInit?.userData, '#cloud-config\nhostname: web\n');
    assert.deepStrictEqual(plan.ports, [
      { guest: 22, proto: 'tcp' },
      { guest: 53, proto: 'udp' },
    ]);
    assert.deepStrictEqual(plan.notes, []);
  });

  it('keeps the login key but never the SSH host private key in the cluster user-data', () => {
    const ud =
      '#cloud-config\nssh_authorized_keys:\n  - ssh-ed25519 AAAA me\nssh_keys:\n  ed25519_private: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n    x\n  ed25519_public: ssh-ed25519 BBBB host\n';
    const c = clusterUserData(ud);
    assert.ok(c.dropped);
    assert.ok(!c.userData.includes('PRIVATE KEY'), c.userData);
    assert.ok(c.userData.includes('ssh-ed25519 AAAA me'));
    assert.ok(c.userData.startsWith('#cloud-config\n'));
    assert.deepStrictEqual(clusterUserData('#cloud-config\nhostname: x\n'), {
      userData: '#cloud-config\nhostname: x\n',
      dropped: false,
    });
  });

  it('names what has no KubeVirt counterpart, and a VM without network gets no pod interface', () => {
    const spec = parseVmSpec({
      name: 'eng',
      machine: 'q35',
      disks: [
        { file: 'a.qcow2', format: 'qcow2' },
        { file: 'b.qcow2', format: 'qcow2' },
      ],
      network: { mode: 'none' },
      shares: [{ tag: 'ws', path: '/w' }],
      channels: ['org.podvisor.engine'],
      engine: { kind: 'docker' },
    });
    const { manifest, notes } = kubevirtManifest({ spec, image: 'x:1' });
    assert.strictEqual(notes.length, 3, notes.join('; '));
    const t = (manifest as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec as {
      domain: { devices: Record<string, unknown>; firmware?: unknown };
      networks?: unknown;
    };
    assert.strictEqual(t.domain.devices.autoattachPodInterface, false);
    assert.strictEqual(t.networks, undefined);
    assert.strictEqual(t.domain.firmware, undefined, 'firmware boot without a kernel');
    assert.deepStrictEqual(t.domain.devices.rng, {});
  });

  it('builds the containerDisk FROM scratch with the disk under /disk/ for the qemu user', () => {
    assert.strictEqual(
      containerDiskDockerfile(true, true),
      'FROM scratch\nCOPY --chown=107:107 disk/ /disk/\nCOPY kernel /boot/vmlinuz\nCOPY initrd /boot/initrd\n',
    );
    assert.strictEqual(kubeName('--A..b__'), 'a-b');
    assert.strictEqual(kubeName('___'), 'vm');
  });

  it('reads a seed ISO back: the files seed.ts wrote, byte for byte', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-seedread-'));
    try {
      const f = path.join(dir, 'seed.iso');
      const userData = `#cloud-config\n${'x: ü\n'.repeat(1500)}`;
      writeSeedIso(f, { userData, metaData: 'local-hostname: a\n', networkConfig: 'version: 2\n' });
      const files = readSeedIso(f);
      assert.strictEqual(files.get('user-data'), userData);
      assert.strictEqual(files.get('meta-data'), 'local-hostname: a\n');
      assert.strictEqual(files.get('network-config'), 'version: 2\n');
      fs.writeFileSync(f, Buffer.alloc(40_000));
      assert.throws(() => readSeedIso(f), /not an ISO 9660 image/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
