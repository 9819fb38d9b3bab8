/**
 * qcow2 internal snapshots. Running VM: HMP savevm/loadvm/delvm (RAM + devices + disks) and
 * QMP query-block for the list. Stopped VM: `qemu-img snapshot` on the overlays (disk only).
 */
import execa from 'execa';
import { UserError } from '../../common/errors';
import type { QmpClient } from './qmp';

export interface Snapshot {
  readonly id: string;
  readonly name: string;
  /** Bytes of saved RAM/device state; 0 for a disk-only snapshot. */
  readonly vmStateSize: number;
  readonly date: Date;
  /** Guest clock at the snapshot, seconds. */
  readonly vmClockSec: number;
}

export function snapshotNameProblem(n: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/.test(n))
    return `"${n}" is not a valid snapshot name: letters, digits, ".", "_", "-" (at most 40).`;
  // HMP treats an all-digit argument as a snapshot ID, not a name.
  if (/^\d+$/.test(n)) return 'A snapshot name cannot be only digits.';
  return undefined;
}

function checkName(n: string): void {
  const p = snapshotNameProblem(n);
  if (p) throw new UserError(p);
}

function parseSnapshots(list: unknown): Snapshot[] {
  if (!Array.isArray(list)) return [];
  return list
    .filter(
      (s): s is Record<string, unknown> =>
        typeof s === 'object' && s !== null && typeof (s as { name?: unknown }).name === 'string',
    )
    .map((s) => ({
      id: String(s.id ?? ''),
      name: String(s.name),
      vmStateSize: typeof s['vm-state-size'] === 'number' ? s['vm-state-size'] : 0,
      date: new Date((typeof s['date-sec'] === 'number' ? s['date-sec'] : 0) * 1000),
      vmClockSec: typeof s['vm-clock-sec'] === 'number' ? s['vm-clock-sec'] : 0,
    }));
}

async function hmpChecked(qmp: QmpClient, line: string, what: string): Promise<void> {
  const out = (await qmp.hmp(line)).trim();
  // These HMP commands print nothing on success and the reason on failure.
  if (out) throw new UserError(`${what} failed: ${out.replace(/^Error:\s*/i, '')}`);
}

export const liveSnapshots = {
  async list(qmp: QmpClient): Promise<Snapshot[]> {
    const blocks = await qmp.execute<unknown>('query-block');
    if (!Array.isArray(blocks)) return [];
    for (const b of blocks as Array<{
      device?: string;
      inserted?: { ro?: boolean; image?: { snapshots?: unknown } };
    }>) {
      if (b.inserted && !b.inserted.ro) return parseSnapshots(b.inserted.image?.snapshots);
    }
    return [];
  },
  async create(qmp: QmpClient, name: string): Promise<void> {
    checkName(name);
    await hmpChecked(qmp, `savevm ${name}`, `Snapshot "${name}"`);
  },
  async revert(qmp: QmpClient, name: string): Promise<void> {
    checkName(name);
    await hmpChecked(qmp, `loadvm ${name}`, `Reverting to "${name}"`);
  },
  async remove(qmp: QmpClient, name: string): Promise<void> {
    checkName(name);
    await hmpChecked(qmp, `delvm ${name}`, `Deleting snapshot "${name}"`);
  },
};

async function qemuImg(args: string[], what: string): Promise<string> {
  const r = await execa('qemu-img', args, { reject: false });
  if (r.exitCode !== 0)
    throw new UserError(`${what} failed: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.exitCode}`}`);
  return r.stdout;
}

export const offlineSnapshots = {
  async list(disk: string): Promise<Snapshot[]> {
    const out = await qemuImg(['info', '-U', '--output=json', disk], 'Listing snapshots');
    return parseSnapshots((JSON.parse(out) as { snapshots?: unknown }).snapshots);
  },
  async create(disks: string[], name: string): Promise<void> {
    checkName(name);
    for (const d of disks) await qemuImg(['snapshot', '-c', name, d], `Snapshot "${name}"`);
  },
  async revert(disks: string[], name: string): Promise<void> {
    checkName(name);
    for (const d of disks) await qemuImg(['snapshot', '-a', name, d], `Reverting to "${name}"`);
  },
  async remove(disks: string[], name: string): Promise<void> {
    checkName(name);
    for (const d of disks) await qemuImg(['snapshot', '-d', name, d], `Deleting snapshot "${name}"`);
  },
};
