/**
 * A private libvirt daemon for tests: `libvirtd` in session mode with its own XDG directories
 * and sockets under `dir` (never the system's /run/libvirt), plus its own `virtlogd`. As root it
 * runs as `nobody` (a root libvirtd is always the privileged system daemon with fixed paths),
 * so its QEMU processes run as `nobody` too; files a domain uses must be readable by it (copy
 * them under `dir`). Everything is stopped by pid: the domains' QEMU processes (from libvirt's
 * pidfiles), then libvirtd, then virtlogd.
 *
 * The client connects with `qemu:///session?socket=DIR/run/libvirt/libvirt-sock`.
 * Set LIBVIRT_AUTOSTART=0 for clients so a plain `qemu:///session` never spawns a daemon.
 */
import { spawn, execFileSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { stopPid } from './dockerd';

export interface PrivateLibvirtd {
  readonly uri: string;
  readonly dir: string;
  readonly socket: string;
  readonly pid: number;
  readonly virtlogdPid: number;
  /** uid:gid the daemon and its guests run as. */
  readonly uid: number;
  readonly gid: number;
  /** Time from spawn to the socket answering `virsh uri`, ms. */
  readonly startMs: number;
}

const NOBODY = 65534;

function dirs(dir: string) {
  return {
    home: path.join(dir, 'home'),
    run: path.join(dir, 'run'),
    config: path.join(dir, 'config'),
    cache: path.join(dir, 'cache'),
    data: path.join(dir, 'data'),
  };
}

function daemonEnv(dir: string): NodeJS.ProcessEnv {
  const d = dirs(dir);
  return {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: d.home,
    XDG_RUNTIME_DIR: d.run,
    XDG_CONFIG_HOME: d.config,
    XDG_CACHE_HOME: d.cache,
    XDG_DATA_HOME: d.data,
    LC_ALL: 'C',
  };
}

function launch(dir: string, argv: string[], uid: number, gid: number, log: string): ChildProcess {
  const logFd = fs.openSync(path.join(dir, log), 'a');
  const [cmd, args] =
    uid === 0 || process.getuid?.() !== 0
      ? [argv[0]!, argv.slice(1)]
      : ['setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', ...argv]];
  // Own process group, so the test runner's group kill doesn't race our ordered stop; we stop it by pid.
  const child = spawn(cmd, args, { detached: true, env: daemonEnv(dir), stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  child.unref();
  return child;
}

function virshOk(uri: string): boolean {
  try {
    execFileSync('virsh', ['-c', uri, 'uri'], {
      stdio: 'ignore',
      timeout: 5000,
      env: { ...process.env, LIBVIRT_AUTOSTART: '0' },
    });
    return true;
  } catch {
    return false;
  }
}

/** Kills (SIGKILL) the QEMU processes libvirt recorded for this daemon's domains. */
function killGuests(dir: string): void {
  const runDir = path.join(dirs(dir).run, 'libvirt', 'qemu', 'run');
  if (!fs.existsSync(runDir)) return;
  for (const f of fs.readdirSync(runDir).filter((x) => x.endsWith('.pid'))) {
    const pid = Number(fs.readFileSync(path.join(runDir, f), 'utf8').trim());
    if (pid > 1) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

/** Is `pid` still the process we recorded (not a reused pid)? */
function isOurs(pid: number, name: string, dir: string): boolean {
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
    return cmd.includes(name) && env.includes(dir);
  } catch {
    return false;
  }
}

function stopFromPidfiles(dir: string): void {
  killGuests(dir);
  for (const name of ['libvirtd', 'virtlogd']) {
    try {
      const pid = Number(fs.readFileSync(path.join(dir, `${name}.pid`), 'utf8').trim());
      if (pid > 1 && isOurs(pid, name, dir)) stopPid(pid, 5000);
    } catch {
      /* none */
    }
  }
}

/**
 * Daemons left by a run that was killed hard: `/tmp/podvisor-libvirt-[kind-]<pid>` whose owner process is
 * gone. Stopped through their own pidfiles (checked against /proc), then removed.
 */
export function reapStaleLibvirtds(): void {
  for (const d of fs.readdirSync('/tmp')) {
    const owner = Number(/^podvisor-libvirt-(?:[a-z]+-)?(\d+)$/.exec(d)?.[1] ?? NaN);
    if (!Number.isInteger(owner) || owner <= 1) continue;
    try {
      process.kill(owner, 0);
      continue; // its run is still going
    } catch {
      /* owner gone */
    }
    const dir = path.join('/tmp', d);
    stopFromPidfiles(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function startPrivateLibvirtd(dir: string, timeoutMs = 30_000): Promise<PrivateLibvirtd> {
  // A previous run killed hard may have left our daemons (recorded in our own pidfiles) behind.
  if (fs.existsSync(dir)) stopFromPidfiles(dir);
  reapStaleLibvirtds();
  fs.rmSync(dir, { recursive: true, force: true });
  const d = dirs(dir);
  for (const p of Object.values(d)) fs.mkdirSync(p, { recursive: true });
  const root = process.getuid?.() === 0;
  const uid = root ? NOBODY : process.getuid!();
  const gid = root ? NOBODY : process.getgid!();
  if (root) {
    fs.chmodSync(dir, 0o755);
    for (const p of [dir, ...Object.values(d)]) fs.chownSync(p, uid, gid);
  }
  fs.chmodSync(d.run, 0o700);
  const t0 = Date.now();
  const virtlogd = launch(dir, ['virtlogd'], uid, gid, 'virtlogd.log');
  fs.writeFileSync(path.join(dir, 'virtlogd.pid'), String(virtlogd.pid));
  const libvirtd = launch(dir, ['libvirtd', '--timeout', '0'], uid, gid, 'libvirtd.log');
  fs.writeFileSync(path.join(dir, 'libvirtd.pid'), String(libvirtd.pid));
  const socket = path.join(d.run, 'libvirt', 'libvirt-sock');
  const uri = `qemu:///session?socket=${socket}`;
  while (Date.now() - t0 < timeoutMs) {
    if (fs.existsSync(socket) && virshOk(uri)) {
      return {
        uri,
        dir,
        socket,
        pid: libvirtd.pid!,
        virtlogdPid: virtlogd.pid!,
        uid,
        gid,
        startMs: Date.now() - t0,
      };
    }
    if (libvirtd.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  stopFromPidfiles(dir);
  const tail = fs.existsSync(path.join(dir, 'libvirtd.log'))
    ? fs.readFileSync(path.join(dir, 'libvirtd.log'), 'utf8').split('\n').slice(-15).join('\n')
    : '';
  throw new Error(`private libvirtd did not come up in ${timeoutMs} ms:\n${tail}`);
}

/** Guests first (libvirtd leaves them running when it stops), then the daemons; then the files. */
export async function stopPrivateLibvirtd(l: PrivateLibvirtd, removeDir = true): Promise<void> {
  killGuests(l.dir);
  stopPid(l.pid, 5000);
  stopPid(l.virtlogdPid, 5000);
  if (removeDir) fs.rmSync(l.dir, { recursive: true, force: true });
}

/** Copies a file into the daemon's directory, readable by its user (guests run as that user). */
export function giveToDaemon(l: PrivateLibvirtd, src: string, name = path.basename(src)): string {
  const dest = path.join(l.dir, 'files', name);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(src, dest);
  if (process.getuid?.() === 0) {
    fs.chownSync(path.dirname(dest), l.uid, l.gid);
    fs.chownSync(dest, l.uid, l.gid);
  }
  return dest;
}

/** A qcow2 file owned by the daemon's user: an overlay on `backing` (raw) or blank. */
export function makeQcow2(
  l: PrivateLibvirtd,
  name: string,
  opts: { backing?: string; size?: string } = {},
): string {
  const dest = path.join(l.dir, 'files', name);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const args = ['create', '-q', '-f', 'qcow2'];
  if (opts.backing) args.push('-b', opts.backing, '-F', 'raw');
  args.push(dest);
  if (opts.size || !opts.backing) args.push(opts.size ?? '16M');
  execFileSync('qemu-img', args, { stdio: 'pipe' });
  if (process.getuid?.() === 0) {
    fs.chownSync(path.dirname(dest), l.uid, l.gid);
    fs.chownSync(dest, l.uid, l.gid);
  }
  return dest;
}

/**
 * A small domain for the fixture guest: TCG (or KVM), q35, serial console on a pty (teed to
 * `serialLog`, written by virtlogd, so a marker printed before anyone attached is still seen), one qcow2 disk.
 */
export function guestDomainXml(o: {
  name: string;
  kernel: string;
  initrd: string;
  cmdline: string;
  disk: string;
  accel: 'kvm' | 'tcg';
  memoryMiB?: number;
  serialLog?: string;
}): string {
  const esc = (s: string) =>
    s
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/'/g, '&apos;')
      .replace(/"/g, '&quot;');
  return `<domain type='${o.accel === 'kvm' ? 'kvm' : 'qemu'}'>
  <name>${esc(o.name)}</name>
  <memory unit='MiB'>${o.memoryMiB ?? 256}</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>${esc(o.kernel)}</kernel>
    <initrd>${esc(o.initrd)}</initrd>
    <cmdline>${esc(o.cmdline)}</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${esc(o.disk)}'/><target dev='vda' bus='virtio'/></disk>
    <serial type='pty'>${o.serialLog ? `<log file='${esc(o.serialLog)}' append='off'/>` : ''}<target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}
