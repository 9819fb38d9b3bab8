/**
 * Engine VMs on the real hypervisor: the guest image built from Debian packages by our builder,
 * Docker's engine inside it, reached from the host only through a 0600 unix socket carried over
 * virtio-serial, SSH with the VM's own keys, and save/resume of the running engine.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { needEngineImage, needQemu } from '../../harness/env';
import { busyboxRootfs, dockerAsync } from '../../harness/images';
import { VmStore, vmPaths } from '../../../src/backends/qemu';
import { hostAlias, writeSshConfig } from '../../../src/backends/qemu/sshConfig';
import { checkKeyFile } from '../../../src/backends/qemu/sshKeys';
import { EngineVms } from '../../../src/backends/qemu/engine/engines';
import { engineVmRequest } from '../../../src/backends/qemu/engine/engineVm';
import type { EngineImage } from '../../../src/backends/qemu/engine/image';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Local TCP ports a process listens on (from /proc/net/tcp{,6} and its socket inodes). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      /* closed meanwhile */
    }
  }
  const ports: number[] = [];
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of fs.readFileSync(f, 'utf8').split('\n').slice(1)) {
      const c = line.trim().split(/\s+/);
      // st 0A = LISTEN; c[9] is the inode
      if (c[3] === '0A' && c[9] && inodes.has(c[9])) ports.push(parseInt(c[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

function ssh(store: VmStore, name: string, command: string): string {
  const info = store.info(name);
  const dir = vmPaths(info.dir).sshDir;
  return execFileSync(
    'ssh',
    [
      '-F',
      '/dev/null',
      '-i',
      path.join(dir, 'id_ed25519'),
      '-o',
      `UserKnownHostsFile=${path.join(dir, 'known_hosts')}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'IdentitiesOnly=yes',
      '-p',
      String(info.spec!.ssh!.port),
      `${info.spec!.ssh!.user}@127.0.0.1`,
      command,
    ],
    { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] },
  ).trim();
}

describe('Engine VMs (real hypervisor, Docker engine inside)', function () {
  this.timeout(600_000);
  let image: EngineImage;
  let home: string;
  let store: VmStore;
  let engines: EngineVms;
  let endpoint: string;
  const name = 'eng-1';
  const pids: number[] = [];

  before(async function () {
    this.timeout(1_200_000);
    const accel = needQemu(this);
    image = needEngineImage(this);
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-engine-'));
    store = new VmStore(home, { accelerator: accel, cpuModel: 'auto' });
    engines = new EngineVms(store);
    await store.create(engineVmRequest({ name, image }));
    const h = await store.start(name);
    pids.push(h.pid);
    assert.strictEqual(engines.info(name).state, 'starting');
    endpoint = await engines.waitReady(name, 600_000);
  });

  after(() => {
    engines?.dispose();
    for (const p of pids) if (pidAlive(p)) process.kill(p, 'SIGKILL');
    store?.dispose();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('builds the image from Debian packages into a cache keyed by its recipe', () => {
    const ready = JSON.parse(fs.readFileSync(path.join(image.dir, 'ready.json'), 'utf8')) as {
      packages: string[];
      sources: string[];
    };
    assert.ok(ready.packages.includes('docker.io'));
    assert.ok(
      ready.sources.every((l) => l.startsWith('deb ')),
      'built from the host apt sources',
    );
    assert.ok(path.basename(image.dir).endsWith(image.hash));
    assert.strictEqual(fs.statSync(image.disk).mode & 0o222, 0, 'the base image is read-only');
  });

  it('serves the Engine API on a 0600 unix socket, and QEMU listens on no TCP port but SSH', async () => {
    const sock = vmPaths(path.join(home, name)).engineSock;
    assert.strictEqual(endpoint, `unix://${sock}`);
    const st = fs.statSync(sock);
    assert.ok(st.isSocket());
    assert.strictEqual(st.mode & 0o777, 0o600, 'only this user may connect');
    assert.strictEqual(st.uid, process.getuid!());
    const info = store.info(name);
    assert.deepStrictEqual(listeningPorts(info.pid!), [info.spec!.ssh!.port], 'the SSH forward is all');
    const v = JSON.parse(await dockerAsync(endpoint, ['version', '--format', '{{json .Server}}'])) as {
      Version: string;
      KernelVersion: string;
    };
    assert.match(v.Version, /^20\.10/, 'Debian bookworm docker.io');
    assert.strictEqual(
      v.KernelVersion,
      image.kernelVersion,
      'the engine runs on the VM kernel, not the host',
    );
  });

  it('runs a container inside the VM from an image made of local files', async () => {
    const rootfs = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-engine-img-'));
    try {
      busyboxRootfs(rootfs);
      const tar = execFileSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 64 * 1024 * 1024 });
      await dockerAsync(endpoint, ['import', '-c', 'CMD ["/bin/sh"]', '-', 'pv-engine-test/busybox:1'], tar);
    } finally {
      fs.rmSync(rootfs, { recursive: true, force: true });
    }
    const out = await dockerAsync(endpoint, [
      'run',
      '--rm',
      'pv-engine-test/busybox:1',
      'sh',
      '-c',
      'echo in-vm $(uname -r)',
    ]);
    assert.strictEqual(out, `in-vm ${image.kernelVersion}`);
    // Interactive streams (attach with stdin, half-closed) go through the channel too.
    const cat = await dockerAsync(
      endpoint,
      ['run', '--rm', '-i', 'pv-engine-test/busybox:1', 'cat'],
      'through stdin\n',
    );
    assert.strictEqual(cat, 'through stdin');
  });

  it('logs in over SSH with the VM key, the host key pinned from creation', () => {
    assert.strictEqual(ssh(store, name, 'cat /etc/hostname'), name);
    assert.strictEqual(
      ssh(store, name, 'test -S /var/run/docker.sock && echo engine-socket'),
      'engine-socket',
    );
    // The guest's host key is the one made for this VM, not one baked into the shared image.
    const hostPub = fs.readFileSync(
      path.join(vmPaths(path.join(home, name)).sshDir, 'host_ed25519.pub'),
      'utf8',
    );
    assert.strictEqual(ssh(store, name, 'cat /etc/ssh/ssh_host_ed25519_key.pub'), hostPub.trim());
    assert.strictEqual(ssh(store, name, 'ls /etc/ssh | grep -c ssh_host_ || true'), '2');
  });

  it("logs in through the entry of Podvisor's SSH config; a key others can read is refused with the fix", () => {
    const cfg = path.join(home, 'ssh-config');
    writeSshConfig(cfg, [
      {
        vm: name,
        user: 'root',
        port: store.info(name).spec!.ssh!.port,
        sshDir: vmPaths(path.join(home, name)).sshDir,
      },
    ]);
    const viaConfig = (cmd: string) =>
      execFileSync('ssh', ['-F', cfg, '-o', 'BatchMode=yes', hostAlias(name), cmd], {
        encoding: 'utf8',
        timeout: 60_000,
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim();
    assert.strictEqual(viaConfig('echo via-config $(hostname)'), `via-config ${name}`);
    const sshDir = vmPaths(path.join(home, name)).sshDir;
    const key = path.join(sshDir, 'id_ed25519');
    fs.chmodSync(key, 0o644);
    try {
      assert.throws(
        () => checkKeyFile(sshDir),
        (e: Error) => e.message.includes(`chmod 600 ${key}`),
      );
      // ssh itself refuses it the same way: our check says so first, with the fix.
      assert.throws(
        () => viaConfig('true'),
        (e: Error & { stderr?: string }) => /UNPROTECTED PRIVATE KEY FILE/.test(String(e.stderr)),
      );
    } finally {
      fs.chmodSync(key, 0o600);
    }
  });

  it('saves the running engine and resumes it: the same container still runs', async () => {
    const id = await dockerAsync(endpoint, [
      'run',
      '-d',
      'pv-engine-test/busybox:1',
      'sh',
      '-c',
      'while true; do sleep 1; done',
    ]);
    const bootId = ssh(store, name, 'cat /proc/sys/kernel/random/boot_id');
    const pid0 = store.info(name).pid!;
    const saving = new Promise<void>((r) =>
      engines.onChange((n) => n === name && engines.info(n).state === 'saving' && r()),
    );
    await store.save(name);
    await saving;
    assert.ok(!pidAlive(pid0));
    assert.strictEqual(engines.info(name).state, 'saved');
    assert.ok(!fs.existsSync(vmPaths(path.join(home, name)).engineSock), 'no engine socket while saved');
    const h = await store.start(name);
    pids.push(h.pid);
    await engines.waitReady(name, 120_000);
    assert.strictEqual(await dockerAsync(endpoint, ['inspect', '-f', '{{.State.Running}}', id]), 'true');
    assert.strictEqual(
      ssh(store, name, 'cat /proc/sys/kernel/random/boot_id'),
      bootId,
      'resumed, not rebooted',
    );
    // The guest's clock was set from the host's when the channel came back.
    const guestNow = Number(ssh(store, name, 'date +%s'));
    assert.ok(
      Math.abs(guestNow - Date.now() / 1000) < 30,
      `guest clock ${guestNow} vs host ${Date.now() / 1000}`,
    );
    await dockerAsync(endpoint, ['rm', '-f', id]);
  });

  it('shuts down through the ACPI power button: the engine stops and the socket goes away', async () => {
    assert.strictEqual(await store.shutdown(name, 120_000), true);
    assert.strictEqual(engines.info(name).state, 'stopped');
    assert.ok(!fs.existsSync(vmPaths(path.join(home, name)).engineSock));
  });
});
