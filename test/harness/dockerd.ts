/**
 * A private Docker engine for tests: its own data-root, exec-root, socket, pidfile and bridge,
 * with the gVisor runtime registered. Started once per test run, stopped by pid, never by name.
 * It never touches an engine it did not start (docker0, /var/run/docker.sock stay untouched).
 */
import { spawn, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as net from 'net';

export interface PrivateDockerd {
  readonly host: string; // unix:///…/docker.sock
  readonly socket: string;
  readonly pid: number;
  readonly dir: string;
  readonly runtimes: readonly string[];
  readonly bridge: string;
}

export interface DockerdOptions {
  /** Our own bridge (never docker0): name and gateway CIDR. */
  bridge?: string;
  cidr?: string;
  timeoutMs?: number;
  /** More dockerd arguments (another -H listener with its TLS flags, say). */
  extraArgs?: readonly string[];
}

function pingSocket(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.createConnection(socket);
    c.setTimeout(1000);
    c.on('connect', () => c.write('GET /_ping HTTP/1.0\r\n\r\n'));
    let buf = '';
    c.on('data', (d) => (buf += d.toString()));
    c.on('end', () => resolve(/\bOK\b/.test(buf)));
    c.on('error', () => resolve(false));
    c.on('timeout', () => {
      c.destroy();
      resolve(false);
    });
  });
}

function ensureBridge(name: string, cidr: string): void {
  try {
    execFileSync('ip', ['link', 'show', name], { stdio: 'ignore' });
  } catch {
    execFileSync('ip', ['link', 'add', name, 'type', 'bridge']);
    execFileSync('ip', ['addr', 'add', cidr, 'dev', name]);
  }
  execFileSync('ip', ['link', 'set', name, 'up']);
}

/** Starts the engine under `dir` (created) and waits until it answers /_ping. */
export async function startPrivateDockerd(dir: string, opts: DockerdOptions = {}): Promise<PrivateDockerd> {
  const { bridge = 'pvtest0', cidr = '10.231.0.1/24', timeoutMs = 30_000 } = opts;
  fs.mkdirSync(dir, { recursive: true });
  const socket = path.join(dir, 'docker.sock');
  const pidfile = path.join(dir, 'dockerd.pid');
  // A previous run killed hard may have left a live engine: stop it by its pidfile (it is ours).
  stopByPidfile(pidfile);
  clearStaleContainerdPid(path.join(dir, 'exec', 'containerd', 'containerd.pid'));
  ensureBridge(bridge, cidr);
  const runtimes: string[] = ['runc'];
  const config: Record<string, unknown> = { runtimes: {} };
  if (fs.existsSync('/usr/bin/runsc')) {
    (config.runtimes as Record<string, unknown>).runsc = {
      path: '/usr/bin/runsc',
      runtimeArgs: ['--network=host'],
    };
    runtimes.push('runsc');
  }
  const configFile = path.join(dir, 'daemon.json');
  fs.writeFileSync(configFile, JSON.stringify(config));
  const logFd = fs.openSync(path.join(dir, 'dockerd.log'), 'a');
  const child = spawn(
    'dockerd',
    [
      '--config-file',
      configFile,
      '--data-root',
      path.join(dir, 'data'),
      '--exec-root',
      path.join(dir, 'exec'),
      '--pidfile',
      pidfile,
      '-H',
      `unix://${socket}`,
      '--bridge',
      bridge,
      '--iptables=false',
      '--ip-masq=false',
      '--userland-proxy=true',
      '--storage-driver',
      'overlay2',
      '--containerd-namespace',
      'podvisor-test',
      '--containerd-plugins-namespace',
      'podvisor-test-plugins',
      ...(opts.extraArgs ?? []),
    ],
    { detached: true, stdio: ['ignore', logFd, logFd] },
  );
  fs.closeSync(logFd);
  child.unref();
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (await pingSocket(socket)) {
      return { host: `unix://${socket}`, socket, pid: child.pid!, dir, runtimes, bridge };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  stopPid(child.pid!);
  const tail = fs.readFileSync(path.join(dir, 'dockerd.log'), 'utf8').split('\n').slice(-15).join('\n');
  throw new Error(`private dockerd did not come up in ${timeoutMs} ms:\n${tail}`);
}

/** Alive and not a zombie: an orphan killed with its dockerd may linger unreaped as a zombie. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * dockerd reuses the containerd named in exec-root/containerd/containerd.pid when that pid
 * "exists" — a zombie left by a killed engine counts, and dockerd then waits for a socket that
 * never comes ("timeout waiting for containerd to start"). Remove the file unless the process
 * really runs; kill a surviving containerd of ours (its pidfile is under our own exec-root).
 */
function clearStaleContainerdPid(file: string): void {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(file, 'utf8').trim());
  } catch {
    return;
  }
  if (pid > 1 && alive(pid)) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path.dirname(file))) return; // not ours
    } catch {
      /* gone meanwhile */
    }
    stopPid(pid, 5000);
  }
  fs.rmSync(file, { force: true });
}

/** SIGTERM, wait, then SIGKILL: dockerd stops its containers and its containerd child. */
export function stopPid(pid: number, graceMs = 15_000): void {
  if (!alive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const until = Date.now() + graceMs;
  while (alive(pid) && Date.now() < until) execFileSync('sleep', ['0.1']);
  if (alive(pid)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

export function stopByPidfile(pidfile: string): void {
  try {
    const pid = Number(fs.readFileSync(pidfile, 'utf8').trim());
    if (pid > 1) stopPid(pid);
  } catch {
    /* no pidfile */
  }
}

export async function stopPrivateDockerd(d: PrivateDockerd): Promise<void> {
  stopPid(d.pid);
}
