/**
 * QEMU's pidfile, read back with checks: a pid is trusted only when the file holds a plain
 * number and that process's command line names this very pidfile (a recycled pid would not).
 */
import * as fs from 'fs';
import type { VmPaths } from './paths';

/** The pid in a pidfile: a plain positive integer and nothing else; undefined when absent or garbage. */
export function readPidfile(file: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const pid = Number(text);
  // pid 1 is init, and Linux pids stay below 2^22: anything else is not a QEMU of ours.
  return pid > 1 && pid <= 4_194_304 ? pid : undefined;
}

/** Is `pid` a QEMU started for this VM folder? (A recycled pid would not have our pidfile on its command line.) */
export function isOurQemu(pid: number, paths: VmPaths): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(paths.pidfile);
  } catch {
    return false;
  }
}

/** The pid of this VM's QEMU while it runs, else undefined. */
export function runningQemuPid(paths: VmPaths): number | undefined {
  const pid = readPidfile(paths.pidfile);
  return pid !== undefined && isOurQemu(pid, paths) ? pid : undefined;
}
