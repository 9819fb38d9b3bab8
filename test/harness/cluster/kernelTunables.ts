/**
 * The kubelet sets vm.overcommit_memory=1, kernel.panic=10 and kernel.panic_on_oops=1 when it
 * starts (its "kernel defaults"). Test kubelets must leave the machine as they found it, and
 * several test runs (worktrees) may run one each: the values from before the first of ours are
 * recorded machine-wide, every running test kubelet holds them by its pid, and the last one to
 * let go writes them back. A run that was killed leaves its record behind; the next one keeps
 * that record (the values now may be a kubelet's) and restores it when it stops.
 */
import * as fs from 'fs';
import * as path from 'path';

export const KUBELET_TUNABLES = ['vm/overcommit_memory', 'kernel/panic', 'kernel/panic_on_oops'] as const;

const DIR = '/tmp/podvisor-kubelet-tunables';
const RECORD = path.join(DIR, 'before.json');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function read(name: string): string {
  return fs.readFileSync(`/proc/sys/${name}`, 'utf8').trim();
}

/** The current values (`vm.overcommit_memory` → `0`), for tests and reports. */
export function currentTunables(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of KUBELET_TUNABLES) out[n.replace('/', '.')] = read(n);
  return out;
}

function liveHolders(except?: number): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(DIR);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const n of names) {
    const m = /^holder-(\d+)$/.exec(n);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== except && alive(pid)) pids.push(pid);
    else if (pid !== except) fs.rmSync(path.join(DIR, n), { force: true });
  }
  return pids;
}

/** Records the values (unless a record exists) and holds them for `holder` (a kubelet's pid, or ours until then). */
export function holdKernelTunables(holder: number): Record<string, string> {
  fs.mkdirSync(DIR, { recursive: true });
  if (!fs.existsSync(RECORD)) {
    const before: Record<string, string> = {};
    for (const n of KUBELET_TUNABLES) before[n] = read(n);
    fs.writeFileSync(RECORD, JSON.stringify(before));
  }
  fs.writeFileSync(path.join(DIR, `holder-${holder}`), '');
  return JSON.parse(fs.readFileSync(RECORD, 'utf8')) as Record<string, string>;
}

/** Moves a hold from one pid to another (ours → the kubelet's once it runs). */
export function moveHold(from: number, to: number): void {
  fs.writeFileSync(path.join(DIR, `holder-${to}`), '');
  fs.rmSync(path.join(DIR, `holder-${from}`), { force: true });
}

/**
 * Lets go of `holder`'s hold; when no live test kubelet holds the values any more, writes the
 * recorded ones back. Returns what was restored (undefined: another kubelet still runs).
 */
export function releaseKernelTunables(holder: number): Record<string, string> | undefined {
  fs.rmSync(path.join(DIR, `holder-${holder}`), { force: true });
  if (liveHolders(holder).length) return undefined;
  let before: Record<string, string>;
  try {
    before = JSON.parse(fs.readFileSync(RECORD, 'utf8')) as Record<string, string>;
  } catch {
    return undefined;
  }
  for (const n of KUBELET_TUNABLES) {
    const v = before[n];
    if (v !== undefined && read(n) !== v) fs.writeFileSync(`/proc/sys/${n}`, v);
  }
  fs.rmSync(RECORD, { force: true });
  return before;
}
