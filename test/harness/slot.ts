/**
 * A numbered slot per test run, so that several runs on one machine (two checkouts, a developer
 * and CI) never share a bridge, a subnet or a network namespace name. The slot is held by a
 * lock file with the runner's pid; a slot whose pid is gone is free again.
 */
import * as fs from 'fs';
import * as path from 'path';

const DIR = '/tmp/podvisor-slots';
const SLOTS = 40;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The slot of this run: PODVISOR_TEST_SLOT when the runner set it, else one taken for `pid`. */
export function runSlot(pid = process.pid): number {
  const fromEnv = Number(process.env.PODVISOR_TEST_SLOT);
  if (Number.isInteger(fromEnv) && fromEnv >= 0 && process.env.PODVISOR_TEST_SLOT !== '') return fromEnv;
  fs.mkdirSync(DIR, { recursive: true });
  for (let i = 0; i < SLOTS; i++) {
    const file = path.join(DIR, String(i));
    try {
      fs.writeFileSync(file, String(pid), { flag: 'wx' });
      return i;
    } catch {
      const owner = Number(fs.readFileSync(file, 'utf8'));
      if (owner === pid) return i;
      if (!owner || !alive(owner)) {
        fs.rmSync(file, { force: true });
        i--; // retry this one
      }
    }
  }
  throw new Error(`all ${SLOTS} test slots in ${DIR} are held by running test runs`);
}

export function releaseSlot(slot: number, pid = process.pid): void {
  const file = path.join(DIR, String(slot));
  try {
    if (Number(fs.readFileSync(file, 'utf8')) === pid) fs.rmSync(file, { force: true });
  } catch {
    /* not held */
  }
}
