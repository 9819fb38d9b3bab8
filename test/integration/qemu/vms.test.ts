/**
 * Podvisor-managed VMs on the real hypervisor (TCG here, KVM where it works), booting the
 * tiny fixture guest (test/harness/guest.ts). Suites run one VM at a time; every QEMU started
 * is killed by pid in `after`.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { needQemu } from '../../harness/env';
import { ensureGuest, GUEST_MARKER, GUEST_PROMPT, type GuestFixture } from '../../harness/guest';
import { VmStore, freePort, launchVm, vmPaths, type VmHandle } from '../../../src/backends/qemu';
import { touches } from '../../../src/backends/store';
import { pidsMentioning } from '../../harness/processes';
import { at, entry } from '../../harness/pick';
import { RecordingRunner } from '../../harness/runner';

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/index.html', timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

/** Types a command on the console and returns what it printed before the next prompt. */
async function run(h: VmHandle, cmd: string, timeoutMs = 20_000): Promise<string> {
  const from = h.serial.output.length;
  h.serial.write(cmd + '\n');
  const out = await h.serial.waitFor(
    new RegExp(
      `${cmd.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\\S]*?\\n${GUEST_PROMPT.replace(/[$/]/g, '\\$&')}`,
    ),
    timeoutMs,
    from,
  );
  return out
    .slice(out.indexOf(cmd) + cmd.length)
    .replace(GUEST_PROMPT, '')
    .replace(/\r/g, '')
    .trim();
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('QEMU VMs (real hypervisor)', function () {
  this.timeout(240_000);
  let accel: 'kvm' | 'tcg';
  let guest: GuestFixture;
  let home: string;
  let store: VmStore;
  let runner: RecordingRunner;
  const started: number[] = [];

  before(function () {
    this.timeout(300_000);
    accel = needQemu(this);
    guest = ensureGuest();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-vms-'));
    runner = new RecordingRunner();
    store = new VmStore(home, { accelerator: accel, cpuModel: 'auto' }, undefined, runner);
  });

  after(async () => {
    for (const pid of started) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
    store?.dispose();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  describe('a booted guest with a disk and a forwarded port', () => {
    let h: VmHandle;
    let port: number;
    const name = 'web-1';

    before(async function () {
      this.timeout(180_000);
      port = await freePort();
      await store.create({
        name,
        memoryMiB: 192,
        source: {
          kind: 'kernel',
          kernel: guest.kernel,
          initrd: guest.initrd,
          cmdline: `${guest.cmdline} pv.disk=/dev/vda pv.httpd=/disk/www`,
          disk: guest.disk,
        },
        forwards: [{ host: port, guest: 80, proto: 'tcp' }],
      });
      const states: string[] = [];
      store.onChange((c) => touches(c, name) && states.push(store.info(name).state));
      h = await store.start(name);
      started.push(h.pid);
      await h.serial.waitFor(GUEST_MARKER, 120_000);
      await h.serial.waitFor(GUEST_PROMPT, 30_000);
      assert.strictEqual(store.info(name).state, 'running');
      assert.ok(states.includes('starting'), `states seen: ${states.join(',')}`);
    });

    it('keeps the base image untouched: the VM writes a qcow2 overlay backed by it', () => {
      const spec = store.info(name).spec!;
      assert.strictEqual(at(spec.disks, 0).base, guest.disk);
      const p = vmPaths(path.join(home, name));
      assert.ok(fs.existsSync(path.join(p.dir, 'disk0.qcow2')));
      assert.ok(fs.existsSync(p.pidfile), 'pidfile while running');
      assert.strictEqual(Number(fs.readFileSync(p.pidfile, 'utf8')), h.pid);
      // The base is opened read-only: QEMU holds no write lock on it.
      const fdTargets = fs.readdirSync(`/proc/${h.pid}/fd`).map((fd) => {
        try {
          return fs.readlinkSync(`/proc/${h.pid}/fd/${fd}`);
        } catch {
          return '';
        }
      });
      assert.ok(fdTargets.includes(guest.disk), 'QEMU has the base open');
      const baseFds = fs.readdirSync(`/proc/${h.pid}/fdinfo`).filter((fd) => {
        try {
          return fs.readlinkSync(`/proc/${h.pid}/fd/${fd}`) === guest.disk;
        } catch {
          return false;
        }
      });
      for (const fd of baseFds) {
        const fdinfo = fs.readFileSync(`/proc/${h.pid}/fdinfo/${fd}`, 'utf8');
        const octal = /flags:\s*(\d+)/.exec(fdinfo)?.[1];
        assert.ok(octal, `no flags in fdinfo of fd ${fd}: ${fdinfo}`);
        const flags = parseInt(octal, 8);
        assert.strictEqual(flags & 3, 0, `base image fd ${fd} is opened O_RDONLY`);
      }
    });

    it('ran qemu-img and QEMU through the runner, as argument arrays', () => {
      const create = runner.argsOf('qemu-img').find((a) => a[0] === 'create');
      assert.ok(create, `qemu-img calls: ${JSON.stringify(runner.argsOf('qemu-img'))}`);
      assert.deepStrictEqual(create.slice(0, 7), ['create', '-q', '-f', 'qcow2', '-b', guest.disk, '-F']);
      assert.match(create[7] ?? '', /^(qcow2|raw)$/);
      assert.match(create.at(-1) ?? '', /\/\.web-1\.creating-[^/]+\/disk0\.qcow2$/);
      const qemu = runner.calls.filter((c) => c.how === 'start' && c.command === 'qemu-system-x86_64');
      assert.strictEqual(qemu.length, 1);
      const argv = at(qemu, 0).args;
      assert.strictEqual(argv[argv.indexOf('-pidfile') + 1], vmPaths(path.join(home, name)).pidfile);
      // The process the runner started is the one running the VM.
      assert.deepStrictEqual(
        fs.readFileSync(`/proc/${h.pid}/cmdline`, 'utf8').split('\0').slice(1, -1),
        argv,
      );
    });

    it('runs a command typed into the serial console and shows its output', async () => {
      assert.strictEqual(await run(h, 'echo $((6*7))'), '42');
      assert.strictEqual(await run(h, 'cat /disk/hello.txt'), entry(guest.diskFiles, '/hello.txt').trim());
      // The console is also logged to the VM folder.
      assert.match(
        fs.readFileSync(vmPaths(path.join(home, name)).serialLog, 'utf8'),
        new RegExp(GUEST_MARKER),
      );
    });

    it('reaches a server in the guest through the port forward on 127.0.0.1', async () => {
      assert.strictEqual((await httpGet(port)).trim(), 'podvisor-www');
      // Bound to loopback only: nothing listens on the wildcard address for that port.
      const other = net.createServer();
      await new Promise<void>((resolve, reject) => {
        other.once('error', (e: NodeJS.ErrnoException) =>
          e.code === 'EADDRINUSE' ? reject(new Error('forward bound beyond 127.0.0.1')) : resolve(),
        );
        other.listen({ port, host: '::', ipv6Only: true }, () => other.close(() => resolve()));
      });
    });

    it('pauses and resumes, with state from QMP events', async () => {
      const paused = new Promise<void>((r) => h.on('state', (s) => s === 'paused' && r()));
      await store.pause(name);
      await paused;
      assert.strictEqual(store.info(name).state, 'paused');
      const resumed = new Promise<void>((r) => h.on('state', (s) => s === 'running' && r()));
      await store.resume(name);
      await resumed;
      assert.strictEqual(await run(h, 'echo back'), 'back');
    });

    it('restores a changed file when reverting to a snapshot', async () => {
      await run(h, 'echo before > /disk/state.txt; sync');
      await store.snapshot(name, 'create', 'clean');
      const list = await store.snapshots(name);
      assert.deepStrictEqual(
        list.map((s) => s.name),
        ['clean'],
      );
      assert.ok(at(list, 0).vmStateSize > 0, 'a live snapshot includes RAM');
      await run(h, 'echo after > /disk/state.txt; sync');
      assert.strictEqual(await run(h, 'cat /disk/state.txt'), 'after');
      await store.snapshot(name, 'revert', 'clean');
      // loadvm restores RAM too: the shell is back where it was; poke it for a fresh prompt.
      assert.strictEqual(await run(h, 'cat /disk/state.txt'), 'before');
      await store.snapshot(name, 'delete', 'clean');
      assert.deepStrictEqual(await store.snapshots(name), []);
    });

    it('reboots (system_reset): the guest boots again in the same QEMU', async () => {
      const from = h.serial.output.length;
      await store.reboot(name);
      await h.serial.waitFor(GUEST_MARKER, 120_000, from);
      await h.serial.waitFor(GUEST_PROMPT, 30_000, from);
      assert.strictEqual(store.info(name).state, 'running');
      assert.strictEqual(store.info(name).pid, h.pid);
    });

    it('rejects a second start and a delete while running', async () => {
      await assert.rejects(store.start(name), /already running/);
      await assert.rejects(store.delete(name), /stop it before deleting/);
    });

    it('shows stopped and leaves no pidfile or sockets when QEMU is SIGKILLed from outside', async () => {
      const p = vmPaths(path.join(home, name));
      const stopped = new Promise<void>((r) =>
        store.onChange((c) => touches(c, name) && store.info(name).state === 'stopped' && r()),
      );
      process.kill(h.pid, 'SIGKILL');
      await stopped;
      assert.strictEqual(store.info(name).state, 'stopped');
      assert.ok(!fs.existsSync(p.pidfile), 'no stale pidfile');
      assert.ok(!fs.existsSync(p.qmpSock) && !fs.existsSync(p.serialSock), 'no stale sockets');
      // And it starts again (no stale image lock), then powers off through ACPI.
      const h2 = await store.start(name);
      started.push(h2.pid);
      await h2.serial.waitFor(GUEST_PROMPT, 120_000);
      assert.strictEqual(await store.shutdown(name, 60_000), true, 'ACPI powerdown stops the guest');
      assert.strictEqual(store.info(name).state, 'stopped');
      assert.ok(!pidAlive(h2.pid));
    });

    it('deletes only the VM folder, and keeps the base image', async () => {
      await store.delete(name);
      assert.ok(!fs.existsSync(path.join(home, name)));
      assert.ok(fs.existsSync(guest.disk));
      assert.deepStrictEqual(fs.readdirSync(home), []);
    });
  });

  describe('firmware-booted VMs (q35): from a disk image and from an installer ISO', () => {
    it('creates them and QEMU accepts their machine (SeaBIOS runs, QMP answers), then forces them off', async () => {
      const iso = path.join(home, '..', `${path.basename(home)}-installer.iso`);
      // Any ISO 9660 image will do to check the plumbing; a seed ISO is one.
      fs.writeFileSync(
        iso,
        (await import('../../../src/backends/qemu')).buildSeedIso({
          userData: '#cloud-config\n',
          metaData: 'instance-id: i\n',
        }),
      );
      try {
        const fromIso = await store.create({
          name: 'inst',
          memoryMiB: 128,
          source: { kind: 'iso', iso, diskGiB: 4 },
        });
        assert.strictEqual(fromIso.machine, 'q35');
        assert.strictEqual(fromIso.cdrom, iso);
        const fromDisk = await store.create({
          name: 'img',
          memoryMiB: 128,
          source: { kind: 'disk', image: guest.disk },
        });
        assert.strictEqual(at(fromDisk.disks, 0).base, guest.disk);
        for (const name of ['inst', 'img']) {
          const h = await store.start(name);
          started.push(h.pid);
          const st = await h.qmp.execute<{ running: boolean }>('query-status');
          assert.strictEqual(st.running, true);
          const blocks =
            await h.qmp.execute<Array<{ device: string; inserted?: { ro: boolean; file: string } }>>(
              'query-block',
            );
          const byDev = Object.fromEntries(
            blocks.filter((b) => b.inserted).map((b) => [b.device, b.inserted!]),
          );
          assert.strictEqual(byDev.disk0?.ro, false);
          if (name === 'inst') {
            assert.strictEqual(byDev.cd0?.ro, true, 'the installer ISO is read-only');
            await assert.rejects(store.ejectIso(name), /is running/);
          }
          await store.forceOff(name);
          assert.strictEqual(store.info(name).state, 'stopped');
          if (name === 'inst') {
            await store.ejectIso(name);
            assert.strictEqual(store.info(name).spec!.cdrom, undefined, 'ISO detached after the install');
            assert.ok(fs.existsSync(iso), 'the ISO file itself is kept');
          }
          await store.delete(name);
        }
      } finally {
        fs.rmSync(iso, { force: true });
      }
    });
  });

  describe('VMs found running at startup', () => {
    it('re-attaches through the pidfile, follows a SIGKILL to stopped, and clears a stale pidfile', async () => {
      await store.create({
        name: 'survivor',
        memoryMiB: 128,
        source: { kind: 'kernel', kernel: guest.kernel, initrd: guest.initrd, cmdline: guest.cmdline },
      });
      const h = await store.start('survivor');
      started.push(h.pid);
      await h.serial.waitFor(GUEST_PROMPT, 120_000);
      // A new store (the editor reloaded): the VM kept running and is found again.
      const again = new VmStore(home, { accelerator: accel, cpuModel: 'auto' });
      try {
        store.dispose(); // forgets its handles; the VM keeps running
        store = again;
        await again.attachRunning();
        const info = again.info('survivor');
        assert.strictEqual(info.state, 'running');
        assert.strictEqual(info.pid, h.pid);
        const h2 = again.handle('survivor')!;
        assert.strictEqual(h2.ownChild, false);
        assert.match(
          h2.serial.output,
          new RegExp(GUEST_MARKER),
          'the console history of this boot is there for the terminal',
        );
        assert.strictEqual(await run(h2, 'echo still-here'), 'still-here');
        const stopped = new Promise<void>((r) =>
          again.onChange((c) => touches(c, 'survivor') && again.info('survivor').state === 'stopped' && r()),
        );
        process.kill(h.pid, 'SIGKILL');
        await stopped;
        const p = vmPaths(path.join(home, 'survivor'));
        assert.ok(!fs.existsSync(p.pidfile), 'no stale pidfile');
        // A pidfile naming a live process that is not this VM's QEMU (a recycled pid) is stale.
        fs.writeFileSync(p.pidfile, String(process.pid));
        await again.attachRunning();
        assert.strictEqual(again.info('survivor').state, 'stopped');
        assert.ok(!fs.existsSync(p.pidfile), 'stale pidfile removed');
        await again.delete('survivor');
      } finally {
        if (pidAlive(h.pid)) process.kill(h.pid, 'SIGKILL');
      }
    });
  });

  describe('a cloud-init seed and a shared folder', () => {
    let h: VmHandle | undefined;
    after(() => {
      if (h && pidAlive(h.pid)) process.kill(h.pid, 'SIGKILL');
    });

    it('generates a NoCloud seed the guest kernel mounts, and shares a host folder over virtiofs', async () => {
      const userData = '#cloud-config\npackages: [htop]\nruncmd:\n  - echo podvisor-seed-ok\n';
      const spec = await store.create({
        name: 'cloud-1',
        source: { kind: 'cloud', image: guest.disk, userData },
      });
      assert.strictEqual(spec.machine, 'q35');
      assert.strictEqual(spec.seed, 'seed.iso');
      const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-share-'));
      fs.writeFileSync(path.join(shared, 'note.txt'), 'from the host\n');
      try {
        // Cloud images boot through firmware; the fixture disk has no bootloader, so boot the
        // same folder (overlay + seed) with the fixture kernel to look at the seed from inside.
        const paths = vmPaths(path.join(home, 'cloud-1'));
        h = await launchVm({
          spec: {
            ...spec,
            machine: 'microvm',
            memoryMiB: 192,
            kernel: guest.kernel,
            initrd: guest.initrd,
            cmdline: `${guest.cmdline} pv.virtiofs=hostdir`,
            shares: [{ tag: 'hostdir', path: shared }],
          },
          paths,
          accel: await store.acceleration(spec),
        });
        started.push(h.pid);
        await h.serial.waitFor(GUEST_PROMPT, 120_000);
        assert.strictEqual(
          await run(h, 'mkdir -p /seed && mount -t iso9660 -o ro /dev/vdb /seed && ls /seed'),
          'meta-data  user-data',
        );
        assert.strictEqual(await run(h, 'cat /seed/user-data'), userData.trim());
        assert.match(
          await run(h, 'cat /seed/meta-data'),
          /^instance-id: podvisor-cloud-1-\d+\nlocal-hostname: cloud-1$/,
        );
        assert.strictEqual(await run(h, 'cat /mnt/hostdir/note.txt'), 'from the host');
        const exit = await h.forceOff();
        assert.ok(exit.code !== undefined);
        assert.deepStrictEqual(pidsMentioning(paths.dir), [], 'no QEMU or virtiofsd left for the VM');
      } finally {
        fs.rmSync(shared, { recursive: true, force: true });
      }
    });
  });
});
