import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { needDocker, needQemu, testCache } from '../../harness/env';
import { DISK_MARKER, GUEST_PROMPT } from '../../harness/guest';
import { VmStore } from '../../../src/backends/qemu/store';
import { DockerClient } from '../../../src/backends/docker/client';
import { kubevirtPlan, launchKubevirt } from '../../../src/sandbox/kubevirt';
import { yamlDocs } from '../../../src/sandbox/pod';
import { log } from './helpers';

import { KV_IMAGE as IMAGE, ensureContainerDiskImage } from '../../harness/kvImage';
import { at } from '../../harness/pick';

const VMI = `apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata:
  name: testvmi
spec:
  domain:
    cpu: { cores: 1 }
    memory: { guest: 256Mi }
    firmware:
      kernelBoot:
        container: { image: ${IMAGE}, kernelPath: /boot/vmlinuz, initrdPath: /boot/initrd.gz }
        kernelArgs: "console=ttyS0 panic=-1 quiet loglevel=1 pv.root=/dev/vda"
    devices:
      disks:
      - { name: root, disk: { bus: virtio } }
      - { name: cloudinit, disk: { bus: virtio } }
      interfaces:
      - { name: default, masquerade: {}, ports: [{ port: 80 }] }
    clock: { timezone: UTC }
  networks:
  - { name: default, pod: {} }
  - { name: extra, multus: { networkName: storage } }
  volumes:
  - name: root
    containerDisk: { image: ${IMAGE} }
  - name: cloudinit
    cloudInitNoCloud:
      userData: |
        #cloud-config
        hostname: testvmi
  - name: data
    persistentVolumeClaim: { claimName: data }
`;

describe('sandbox: a KubeVirt VMI with a locally built containerDisk boots as a Podvisor VM', function () {
  let home: string;
  let store: VmStore;
  let engine: DockerClient;

  before(function () {
    needQemu(this);
    const host = needDocker(this);
    this.timeout(240_000);
    ensureContainerDiskImage(host);
    engine = new DockerClient({ host });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-kv-home-'));
    store = new VmStore(home, { accelerator: 'auto', cpuModel: 'auto' }, log);
  });
  after(async function () {
    this.timeout(30_000);
    for (const v of store?.list() ?? []) {
      const h = store.handle(v.name);
      if (h) await h.forceOff(2000).catch(() => h.kill());
    }
    store?.dispose();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('plans the VM from the manifest and lists what cannot be honoured', () => {
    const plan = kubevirtPlan(at(yamlDocs('/w/vmi.yaml', VMI), 0));
    assert.strictEqual(plan.name, 'kv-testvmi');
    assert.strictEqual(plan.cpus, 1);
    assert.strictEqual(plan.memoryMiB, 256);
    assert.deepStrictEqual(plan.containerDisk, { image: IMAGE });
    assert.deepStrictEqual(plan.ports, [{ guest: 80, proto: 'tcp' }]);
    assert.match(plan.cloudInit!.userData, /hostname: testvmi/);
    for (const n of ['network extra', 'volume data (persistentVolumeClaim)', 'domain.clock'])
      assert.ok(
        plan.notes.some((x) => x.includes(n)),
        `notes mention ${n}: ${plan.notes.join('; ')}`,
      );
  });

  it('boots to its console with the disk from /disk, the NoCloud seed and a 127.0.0.1 forward', async function () {
    this.timeout(240_000);
    const plan = kubevirtPlan(at(yamlDocs('/w/vmi.yaml', VMI), 0));
    const h = await launchKubevirt(
      store,
      engine,
      plan,
      { file: '/w/vmi.yaml', documentIndex: 0 },
      path.join(testCache, 'sandbox'),
      undefined,
    );
    await h.serial.waitFor(DISK_MARKER, 180_000, 0);
    await h.serial.waitFor(GUEST_PROMPT, 30_000, 0);
    const spec = store.info(plan.name).spec!;
    assert.strictEqual(spec.seed, 'seed.iso');
    assert.strictEqual(spec.network.forwards.length, 1);
    assert.strictEqual(at(spec.network.forwards, 0).guest, 80);
    // The disk the VM writes is an overlay on the extracted containerDisk.
    assert.strictEqual(at(spec.disks, 0).format, 'qcow2');
    assert.match(at(spec.disks, 0).base!, /disk\/disk\.img$/);
    const from = h.serial.output.length;
    h.serial.write('cat /hello.txt\n');
    await h.serial.waitFor('hello from the disk', 20_000, from);
    const args = fs.readFileSync(`/proc/${h.pid}/cmdline`, 'utf8').split('\0');
    assert.ok(
      args.some((a) => a.includes('hostfwd=tcp:127.0.0.1:')),
      'forwards bind 127.0.0.1',
    );
    await h.forceOff(3000);
  });

  it('a missing containerDisk image is a clear error and creates no VM', async function () {
    const plan = kubevirtPlan(
      at(
        yamlDocs(
          '/w/vmi.yaml',
          VMI.replace(
            /image: podvisor-test\/kv-containerdisk:1 \}\n {2}- name: cloudinit/,
            'image: podvisor-test/nope:1 }\n  - name: cloudinit',
          ),
        ),
        0,
      ),
    );
    await store.delete(plan.name).catch(() => undefined);
    await assert.rejects(
      launchKubevirt(
        store,
        engine,
        plan,
        { file: '/w/vmi.yaml', documentIndex: 0 },
        path.join(testCache, 'sandbox'),
      ),
      /Image podvisor-test\/nope:1 is not on the engine/,
    );
    assert.deepStrictEqual(
      store.list().map((v) => v.name),
      [],
    );
  });
});
