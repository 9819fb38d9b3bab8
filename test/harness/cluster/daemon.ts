/**
 * Long-running processes of the test cluster (etcd, kube-apiserver, containerd, kubelet, …):
 * started detached in their own process group with a log file and a pidfile of ours, stopped by
 * that pid — never by name. A pidfile left by a run that was killed lets the next one stop it.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';

export interface Daemon {
  readonly name: string;
  readonly pid: number;
  readonly log: string;
  readonly pidfile: string;
  /** Exit code/signal once exited (undefined while running). */
  exited(): string | undefined;
}

/** Alive and not a zombie. */
export function alive(pid: number): boolean {
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startDaemon(
  name: string,
  bin: string,
  args: string[],
  files: { log: string; pidfile: string },
  env: Record<string, string> = {},
): Daemon {
  const fd = fs.openSync(files.log, 'a');
  const child = spawn(bin, args, {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...env },
  });
  fs.closeSync(fd);
  child.unref();
  let exit: string | undefined;
  child.on('exit', (code, sig) => (exit = sig ? `signal ${sig}` : `exit ${code}`));
  child.on('error', (e) => (exit = e.message));
  if (!child.pid) throw new Error(`${name}: could not start ${bin}`);
  fs.writeFileSync(files.pidfile, String(child.pid));
  return { name, pid: child.pid, log: files.log, pidfile: files.pidfile, exited: () => exit };
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL to its process group; removes the pidfile. */
export async function stopDaemon(d: { pid: number; pidfile?: string }, graceMs = 10_000): Promise<void> {
  if (alive(d.pid)) {
    try {
      process.kill(d.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    const until = Date.now() + graceMs;
    while (alive(d.pid) && Date.now() < until) await sleep(50);
    if (alive(d.pid)) {
      for (const target of [-d.pid, d.pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      while (alive(d.pid)) await sleep(20);
    }
  }
  if (d.pidfile) fs.rmSync(d.pidfile, { force: true });
}

/** Kills at once (SIGKILL) and waits until it is gone: the "server died" of recovery tests. */
export async function killDaemon(d: { pid: number }): Promise<void> {
  try {
    process.kill(d.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  while (alive(d.pid)) await sleep(20);
}

/** Stops what a pidfile of an earlier (killed) run names, if that process is ours (its cmdline mentions `mark`). */
export async function stopStale(pidfile: string, mark: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidfile, 'utf8').trim());
  } catch {
    return;
  }
  if (pid > 1 && alive(pid)) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(mark)) return;
    } catch {
      return;
    }
    await stopDaemon({ pid, pidfile });
  }
  fs.rmSync(pidfile, { force: true });
}

/** The last lines of a log, for a failure message. */
export function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
