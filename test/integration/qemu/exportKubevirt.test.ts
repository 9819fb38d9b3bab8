/**
 * Export to KubeVirt on the real parts: a VM booted by QEMU writes a token to its disk, is
 * exported (disk flattened by qemu-img, containerDisk built FROM scratch by the test engine,
 * pushed to the private registry), and "Run locally" of the exported manifest boots the same
 * disk, which still holds the token. The manifest passes Podvisor's validator and the real API
 * server takes it. A disk held by a running QEMU is refused with one clear error, and nothing is
 * left behind (no work folder, no image).
 */
import * as assert from 'assert';
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import YAML from 'yaml';
import { needCluster, needDocker, needQemu, needRegistry } from '../../harness/env';
import { dockerCli } from '../../harness/images';
import { ensureGuest, GUEST_MARKER, GUEST_PROMPT, type GuestFixture } from '../../harness/guest';
import { DockerClient } from '../../../src/backends/docker/client';
import { pushImage } from '../../../src/backends/docker/imageOps';
import { VmStore } from '../../../src/backends/qemu/store';
import { exportToKubevirt, type ExportResult } from '../../../src/backends/qemu/kubevirtExport';
import type { VmHandle } from '../../../src/backends/qemu/launcher';
import { kubevirtPlan, launchKubevirt } from '../../../src/sandbox/kubevirt';
import { ManifestService } from '../../../src/manifests/service';
import { KubeHttp } from '../../../src/backends/kube/http';
import { loadKubeconfig } from '../../../src/backends/kube/kubeconfig';
import { applyDocuments, parseForApply } from '../../../src/backends/kube/apply';
import { kubectl, uniqueNs } from '../kube/helpers';

const ROOT = path.resolve(__dirname, '../../../..');

async function run(h: VmHandle, cmd: string, timeoutMs = 60_000): Promise<string> {
  const from = h.serial.output.length;
  const tag = Date.now().toString(36);
  // The markers are typed with empty quotes inside, so the console's echo of the typed line
  // (which it may wrap at its width) never matches them; only the shell's output does.
  h.serial.write(`echo __B""EGIN_${tag}__; ${cmd}; echo __E""ND_${tag}__\n`);
  const out = await h.serial.waitFor(new RegExp(`\\n__END_${tag}__`), timeoutMs, from);
  const text = out.replace(/\r/g, '');
  const begin = text.lastIndexOf(`__BEGIN_${tag}__\n`);
  const end = text.lastIndexOf(`\n__END_${tag}__`);
  if (begin < 0 || end < begin) throw new Error(`no output markers in: ${text}`);
  return text.slice(begin + `__BEGIN_${tag}__\n`.length, end).trim();
}

function leftovers(home: string): string[] {
  return fs.readdirSync(home).filter((f) => f.includes('.export-'));
}

describe('Export to KubeVirt (real QEMU, engine, registry and API server)', function () {
  this.timeout(600_000);
  let g: GuestFixture;
  let home: string;
  let store: VmStore;
  let engine: DockerClient;
  let host: string;
  let result: ExportResult;
  const token = `pv-token-${process.pid}-${Date.now()}`;
  const image = `podvisor/exp-src-disk:t${process.pid}`;
  const pids: number[] = [];

  before(async function () {
    this.timeout(600_000);
    const accel = needQemu(this);
    host = needDocker(this);
    g = ensureGuest();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-export-'));
    store = new VmStore(home, { accelerator: accel, cpuModel: 'auto' });
    engine = new DockerClient({ host });
    await store.create({
      name: 'exp-src',
      cpus: 1,
      memoryMiB: 256,
      source: {
        kind: 'kernel',
        kernel: g.kernel,
        initrd: g.initrd,
        cmdline: `${g.cmdline} pv.disk=/dev/vda`,
        disk: g.disk,
      },
      cloudInit: { userData: '#cloud-config\nhostname: exp-src\n' },
      ssh: { user: 'root' },
    });
    const h = await store.start('exp-src');
    pids.push(h.pid);
    await h.serial.waitFor(GUEST_PROMPT, 180_000);
    assert.strictEqual(await run(h, `echo ${token} > /disk/token; sync; cat /disk/token`), token);
    assert.strictEqual(await store.shutdown('exp-src', 120_000), true, 'the guest powered off');
  });

  after(async () => {
    for (const p of pids)
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    store?.dispose();
    await engine?.removeImage(image, { force: true }).catch(() => undefined);
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('refuses a disk that a running QEMU holds, with one clear error, leaving nothing behind', async function () {
    const spec = store.info('exp-src').spec!;
    const dir = path.join(home, 'exp-src');
    // A QEMU that is not this VM's (no pidfile in its folder) holding the overlay open.
    const other = spawn(
      'qemu-system-x86_64',
      [
        '-M',
        'q35',
        '-accel',
        'tcg',
        '-S',
        '-nodefaults',
        '-display',
        'none',
        '-drive',
        `file=${path.join(dir, 'disk0.qcow2')},if=virtio`,
      ],
      { stdio: 'ignore' },
    );
    pids.push(other.pid!);
    try {
      // Until QEMU holds the lock: qemu-img then fails the same way export does.
      const t0 = Date.now();
      for (;;) {
        try {
          execFileSync('qemu-img', ['info', path.join(dir, 'disk0.qcow2')], { stdio: 'pipe' });
        } catch {
          break;
        }
        if (Date.now() - t0 > 60_000) throw new Error('the second QEMU never took the disk lock');
        await new Promise((r) => setTimeout(r, 100));
      }
      await assert.rejects(
        exportToKubevirt({ dir, spec, engine, image }),
        (e: Error) => /in use by another QEMU/.test(e.message) && /lock/.test(e.message),
      );
      assert.deepStrictEqual(leftovers(home), []);
      assert.strictEqual(await engine.imageConfig(image), undefined, 'no image was made');
    } finally {
      other.kill('SIGKILL');
    }
    // Its own QEMU running: said before qemu-img is asked.
    const h = await store.start('exp-src');
    pids.push(h.pid);
    await assert.rejects(
      exportToKubevirt({ dir, spec, engine, image }),
      /is running \(QEMU pid \d+ holds its disk\)/,
    );
    await h.forceOff();
    assert.deepStrictEqual(leftovers(home), []);
  });

  it('builds a containerDisk FROM scratch: one standalone qcow2 under /disk/ owned by qemu (107), the kernel under /boot', async () => {
    const dir = path.join(home, 'exp-src');
    result = await exportToKubevirt({ dir, spec: store.info('exp-src').spec!, engine, image });
    assert.deepStrictEqual(leftovers(home), []);
    const inspect = JSON.parse(
      execFileSync(dockerCli, ['-H', host, 'image', 'inspect', image], { encoding: 'utf8' }),
    ) as Array<{
      RootFS: { Layers: string[] };
      Config: { Labels: Record<string, string> };
    }>;
    assert.strictEqual(
      inspect[0]!.RootFS.Layers.length,
      3,
      'disk, kernel, initrd: nothing from a base image',
    );
    assert.strictEqual(inspect[0]!.Config.Labels['dev.podvisor.exported-from'], 'exp-src');
    const cid = execFileSync(dockerCli, ['-H', host, 'create', image, '/none'], { encoding: 'utf8' }).trim();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-export-img-'));
    try {
      const tar = execFileSync(dockerCli, ['-H', host, 'export', cid], { maxBuffer: 2 * 1024 ** 3 });
      const listing = execFileSync('tar', ['-tvf', '-'], { input: tar, encoding: 'utf8' });
      assert.match(listing, /107\/107 .* disk\/disk\.qcow2/);
      execFileSync('tar', ['-x', '-C', out, '-f', '-'], { input: tar });
      const info = JSON.parse(
        execFileSync('qemu-img', ['info', '--output=json', path.join(out, 'disk/disk.qcow2')], {
          encoding: 'utf8',
        }),
      ) as { format: string; 'backing-filename'?: string };
      assert.strictEqual(info.format, 'qcow2');
      assert.strictEqual(info['backing-filename'], undefined, 'standalone: the base is merged in');
      assert.ok(fs.readFileSync(path.join(out, 'boot/vmlinuz')).equals(fs.readFileSync(g.kernel)));
    } finally {
      execFileSync(dockerCli, ['-H', host, 'rm', cid]);
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it("passes Podvisor's validator with no error, and carries the VM's shape without its host key", () => {
    const svc = new ManifestService({ schemaDir: path.join(ROOT, 'schemas') });
    const diags = svc.open('export.yaml', result.yaml);
    assert.deepStrictEqual(
      diags.filter((d) => d.severity === 'error').map((d) => d.message),
      [],
    );
    assert.ok(!result.yaml.includes('PRIVATE KEY'), 'no SSH host private key in the manifest');
    assert.ok(
      result.yaml.includes(fs.readFileSync(path.join(home, 'exp-src/ssh/id_ed25519.pub'), 'utf8').trim()),
    );
    assert.match(result.yaml, /hostname: exp-src/);
  });

  it('Run locally boots the exported disk to the same marker, with the token written before the export', async () => {
    const doc = YAML.parse(result.yaml) as Record<string, unknown>;
    const plan = kubevirtPlan({ file: 'export.yaml', index: 0, value: doc });
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-export-cache-'));
    try {
      const h = await launchKubevirt(store, engine, plan, { file: 'export.yaml', documentIndex: 0 }, cache);
      pids.push(h.pid);
      await h.serial.waitFor(GUEST_MARKER, 180_000);
      await h.serial.waitFor(GUEST_PROMPT, 60_000);
      assert.strictEqual(await run(h, 'cat /disk/token'), token);
      await h.forceOff();
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it('pushes the containerDisk to the configured registry (the registry then serves its manifest)', async function () {
    const r = needRegistry(this);
    const target = `${r.address}/${image}`;
    execFileSync(dockerCli, ['-H', host, 'tag', image, target]);
    try {
      await pushImage(engine, target, {
        auth: { username: r.user, password: r.password, serveraddress: r.address },
      });
      const [repo, tag] = image.split(':');
      const code = execFileSync(
        'curl',
        [
          '-s',
          '-o',
          '/dev/null',
          '-w',
          '%{http_code}',
          '--cacert',
          r.ca,
          '-u',
          `${r.user}:${r.password}`,
          '-H',
          'Accept: application/vnd.docker.distribution.manifest.v2+json',
          `${r.url}/v2/${repo}/manifests/${tag}`,
        ],
        { encoding: 'utf8' },
      );
      assert.strictEqual(code, '200');
    } finally {
      execFileSync(dockerCli, ['-H', host, 'rmi', target]);
    }
  });

  it('Apply sends the exported VirtualMachine to a connected cluster', async function () {
    const c = needCluster(this);
    const ns = uniqueNs('pv-export');
    await kubectl(c, c.adminKubeconfig, ['create', 'namespace', ns]);
    const set = loadKubeconfig({ explicit: c.adminKubeconfig });
    const http = new KubeHttp(set.configFor(set.current), set.current);
    try {
      const { docs, problems } = parseForApply(result.yaml, ns);
      assert.deepStrictEqual(problems, []);
      const out = await applyDocuments(http, docs, { dryRun: false });
      assert.deepStrictEqual(out.problems, []);
      const live = JSON.parse(
        await kubectl(c, c.adminKubeconfig, ['get', 'virtualmachine', 'exp-src', '-n', ns, '-o', 'json']),
      ) as { spec: { template: { spec: { volumes: Array<{ containerDisk?: { image: string } }> } } } };
      assert.strictEqual(live.spec.template.spec.volumes[0]?.containerDisk?.image, image);
    } finally {
      http.dispose();
      await kubectl(c, c.adminKubeconfig, ['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
    }
  });
});
