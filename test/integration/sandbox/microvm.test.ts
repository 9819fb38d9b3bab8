import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { needDocker, needQemu, testCache } from '../../harness/env';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../../harness/images';
import { loadDevcontainer } from '../../../src/sandbox/devcontainer';
import { DockerClient } from '../../../src/backends/docker/client';
import { MicroVmSandboxes } from '../../../src/sandbox/microvm/microvms';
import { ctx, httpGet, leftovers, makeWorkspace, nonLoopbackAddress, waitFor } from './helpers';

/** QEMU processes whose command line mentions `dir` (the test's VM home). */
function qemuUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (cmd.includes(dir)) pids.push(Number(p));
    } catch {
      /* gone */
    }
  }
  return pids;
}

describe('sandbox: devcontainer as a microVM (QEMU)', function () {
  let engine: DockerClient;
  let vms: MicroVmSandboxes;
  let home: string;
  let ws: string;
  let name = '';

  before(function () {
    needQemu(this);
    const host = needDocker(this);
    this.timeout(120_000);
    ensureBusyboxImage(host);
    engine = new DockerClient({ host });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-sbx-vms-'));
    vms = new MicroVmSandboxes(engine, { home, cacheDir: path.join(testCache, 'sandbox'), kernel: '' });
    ws = makeWorkspace(
      {
        image: BUSYBOX_IMAGE,
        forwardPorts: [8080],
        containerEnv: { SAMPLE: 'vm' },
        postCreateCommand: 'echo created >> created.log',
        postStartCommand:
          'mkdir -p /tmp/www && echo podvisor-vm-port > /tmp/www/index.html && httpd -p 8080 -h /tmp/www',
        hostRequirements: { cpus: 1, memory: '384mb' },
      },
      { 'hello.txt': 'hello from the host\n' },
    );
  });
  after(async function () {
    this.timeout(30_000);
    if (name) await vms.remove(name).catch(() => undefined);
    for (const pid of qemuUnder(home)) process.kill(pid, 'SIGKILL');
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(ws, { recursive: true, force: true });
  });

  it('boots the image as a VM with the workspace shared and runs postCreateCommand', async function () {
    this.timeout(300_000);
    const spec = loadDevcontainer({ workspaceFolder: ws });
    const r = await vms.launch(spec, 'microvm', '', ctx);
    name = r.name;
    assert.deepStrictEqual(
      r.timings.map((t) => t.phase),
      ['prepare', 'pull', 'disk', 'create', 'start', 'post-create', 'post-start'],
    );
    assert.strictEqual(r.info.state, 'running');
    assert.strictEqual(fs.readFileSync(path.join(ws, 'created.log'), 'utf8'), 'created\n');
  });

  it('is its own kernel, and reads and writes the workspace', async function () {
    this.timeout(60_000);
    const k = await vms.exec(name, 'uname -r');
    assert.match(k.output, /cloud-amd64/);
    assert.notStrictEqual(k.output.trim(), os.release());
    const r = await vms.exec(name, 'cat hello.txt && echo "written by $SAMPLE" > from-vm.txt');
    assert.strictEqual(r.exitCode, 0, r.output);
    assert.match(r.output, /hello from the host/);
    assert.strictEqual(fs.readFileSync(path.join(ws, 'from-vm.txt'), 'utf8'), 'written by vm\n');
  });

  it('a command for the terminal reaches the guest shell with its spaces and quotes intact', async function () {
    this.timeout(60_000);
    const args = ['two words', `it's`, 'say "hi"', '$HOME', '*'];
    const s = await vms.attach(name, {
      cmd: ['sh', '-c', 'printf "%s|" "$@" > from-console.txt', 'sh', ...args],
    });
    try {
      const file = path.join(ws, 'from-console.txt');
      const text = await waitFor(
        async () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') || undefined : undefined),
        30_000,
        'the file written by the console command',
      );
      assert.strictEqual(text, args.map((a) => `${a}|`).join(''));
    } finally {
      s.stream.destroy();
    }
  });

  it('answers a forwarded port on 127.0.0.1 only', async function () {
    this.timeout(60_000);
    const p = (await vms.find(name))!.ports.find((x) => x.container === 8080)!;
    await waitFor(
      async () => ((await httpGet('127.0.0.1', p.host)).includes('podvisor-vm-port') ? true : undefined),
      30_000,
      'httpd in the VM',
    );
    await assert.rejects(httpGet(nonLoopbackAddress()!, p.host, 2000), /ECONNREFUSED|timeout/);
  });

  it('restart keeps the disk, runs postStartCommand and not postCreateCommand', async function () {
    this.timeout(300_000);
    await vms.exec(name, 'echo kept > /root/state');
    await vms.restart(name, ctx);
    assert.strictEqual(fs.readFileSync(path.join(ws, 'created.log'), 'utf8'), 'created\n');
    assert.match((await vms.exec(name, 'cat /root/state')).output, /kept/);
  });

  it('remove stops QEMU and virtiofsd and deletes the VM folder, not the workspace', async function () {
    this.timeout(60_000);
    await vms.remove(name);
    name = '';
    await waitFor(
      async () => (qemuUnder(home).length === 0 ? true : undefined),
      10_000,
      'QEMU and virtiofsd to exit',
    );
    assert.deepStrictEqual(fs.readdirSync(home), []);
    assert.ok(fs.existsSync(path.join(ws, 'hello.txt')) && fs.existsSync(path.join(ws, 'from-vm.txt')));
  });

  it('a missing kernel is a clear error and leaves nothing', async function () {
    const v = new MicroVmSandboxes(engine, {
      home,
      cacheDir: path.join(testCache, 'sandbox'),
      kernel: '/nonexistent/vmlinuz-9.9',
    });
    const spec = loadDevcontainer({ workspaceFolder: ws });
    await assert.rejects(
      v.launch(spec, 'microvm', '', ctx),
      /Kernel \/nonexistent\/vmlinuz-9.9 not found \(setting podvisor.sandbox.kernel\)/,
    );
    assert.deepStrictEqual(fs.readdirSync(home), []);
    assert.deepStrictEqual(qemuUnder(home), []);
  });

  it('no space for the disk is a clear error and leaves nothing', async function () {
    this.timeout(120_000);
    const tiny = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-sbx-tiny-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', tiny]);
    const tmpBefore = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('pv-sbx-rootfs-'));
    try {
      // Its own tag, so the error names it; the disk cache is the tiny folder, so nothing is reused.
      const host = process.env.PODVISOR_TEST_DOCKER_HOST!;
      const img = `podvisor-test/sbx-nospace:${Date.now()}`;
      execFileSync('/usr/bin/docker', ['-H', host, 'tag', BUSYBOX_IMAGE, img]);
      try {
        const v = new MicroVmSandboxes(engine, {
          home,
          cacheDir: path.join(testCache, 'sandbox'),
          diskDir: tiny,
          kernel: '',
        });
        const w2 = makeWorkspace({ image: img });
        try {
          const spec = loadDevcontainer({ workspaceFolder: w2 });
          await assert.rejects(
            v.launch(spec, 'microvm', '', ctx),
            /Cannot make the root disk for podvisor-test\/sbx-nospace:\d+ in .*: .*(No space left|Could not allocate|not enough space)/i,
          );
          assert.deepStrictEqual(await leftovers(engine, spec.name), []);
        } finally {
          fs.rmSync(w2, { recursive: true, force: true });
        }
      } finally {
        execFileSync('/usr/bin/docker', ['-H', host, 'rmi', img]);
      }
      assert.deepStrictEqual(fs.readdirSync(tiny), [], 'no half-made disk');
      assert.deepStrictEqual(
        fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('pv-sbx-rootfs-')),
        tmpBefore,
        'no unpacked rootfs left',
      );
      assert.deepStrictEqual(fs.readdirSync(home), []);
    } finally {
      execFileSync('umount', [tiny]);
      fs.rmSync(tiny, { recursive: true, force: true });
    }
  });
});
