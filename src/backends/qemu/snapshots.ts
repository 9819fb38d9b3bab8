/**
 * qcow2 internal snapshots. Running VM: HMP savevm/loadvm/delvm (RAM + devices + disks) and
 * QMP query-block for the list. Stopped VM: `qemu-img snapshot` on the overlays (disk only).
 */
import { UserError } from '../../common/errors';
import { inContext, processRunner, type Runner } from '../../common/process';
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

type Obj = Partial<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseSnapshots(list: unknown): Snapshot[] {
  if (!Array.isArray(list)) return [];
  return list
    .filter((s): s is Obj => isObj(s) && typeof s.name === 'string')
    .map((s) => ({
      id: typeof s.id === 'string' || typeof s.id === 'number' ? String(s.id) : '',
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
    // The first writable disk holds the snapshots (internal snapshots span every disk).
    for (const b of blocks) {
      const inserted = isObj(b) && isObj(b.inserted) ? b.inserted : undefined;
      if (inserted && inserted.ro !== true)
        return parseSnapshots(isObj(inserted.image) ? inserted.image.snapshots : undefined);
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

/** Disk-only snapshots of a stopped VM with `qemu-img snapshot`; cancelling stops qemu-img. */
export class OfflineSnapshots {
  constructor(private readonly runner: Runner = processRunner) {}

  private async qemuImg(args: string[], what: string, signal?: AbortSignal): Promise<string> {
    const r = await this.runner
      .run({ command: 'qemu-img', args, timeoutMs: 600_000 }, signal)
      .catch((e: unknown) => {
        throw inContext(e, `${what} failed`);
      });
    return r.stdout;
  }

  async list(disk: string, signal?: AbortSignal): Promise<Snapshot[]> {
    const out = await this.qemuImg(['info', '-U', '--output=json', disk], 'Listing snapshots', signal);
    let info: unknown;
    try {
      info = JSON.parse(out);
    } catch {
      throw new UserError(`qemu-img info gave unreadable output for ${disk}`);
    }
    return parseSnapshots(isObj(info) ? info.snapshots : undefined);
  }

  async create(disks: readonly string[], name: string, signal?: AbortSignal): Promise<void> {
    checkName(name);
    for (const d of disks) await this.qemuImg(['snapshot', '-c', name, d], `Snapshot "${name}"`, signal);
  }

  async revert(disks: readonly string[], name: string, signal?: AbortSignal): Promise<void> {
    checkName(name);
    for (const d of disks) await this.qemuImg(['snapshot', '-a', name, d], `Reverting to "${name}"`, signal);
  }

  async remove(disks: readonly string[], name: string, signal?: AbortSignal): Promise<void> {
    checkName(name);
    for (const d of disks)
      await this.qemuImg(['snapshot', '-d', name, d], `Deleting snapshot "${name}"`, signal);
  }
}
