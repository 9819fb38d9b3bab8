/**
 * Saving a running VM instead of stopping it: its memory and device state go to a file in the
 * VM's folder (QMP `migrate` to a file), QEMU ends, and the next start restores the file
 * (`-incoming`) and continues the guest where it was — a running engine answers at once instead
 * of booting again (measured in bench/engine-vm.bench.ts).
 *
 * QEMU 7.2 writes and reads a file only through `exec:` (a command line for /bin/sh), so both
 * lines are constants naming files relative to QEMU's working folder, which is the VM's own
 * (the launcher starts QEMU there): no path or name ever enters them.
 *
 * The disk must be the one the state saw: while a state is saved, nothing may change the disk
 * (reverting a snapshot, booting fresh) without discarding the state first.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import { UserError } from '../../common/errors';
import type { Acceleration } from './accel';
import { qemuArgs } from './args';
import type { VmHandle } from './launcher';
import type { VmPaths } from './paths';
import type { QmpEvent } from './qmp';
import type { VmSpec } from './spec';

const SAVE_URI = 'exec:cat > memory.state.tmp';
const TMP = 'memory.state.tmp';

export interface SavedState {
  readonly savedAt: string;
  readonly bytes: number;
  /** QEMU's version at save time (a restore needs a compatible one). */
  readonly qemuVersion: string;
  /** Hash of the QEMU arguments: a restore needs the same machine, devices and memory. */
  readonly argsHash: string;
}

/** The hash a restore is checked against: the arguments QEMU would get, minus the restore itself. */
export function argsHash(spec: VmSpec, paths: VmPaths, accel: Acceleration): string {
  return crypto
    .createHash('sha256')
    .update(JSON.stringify(qemuArgs(spec, paths, accel)))
    .digest('hex')
    .slice(0, 16);
}

/** The saved state of a stopped VM, or undefined (a state file without its record is ignored). */
export function savedStateOf(paths: VmPaths): SavedState | undefined {
  if (!fs.existsSync(paths.savedState)) return undefined;
  try {
    const m = JSON.parse(fs.readFileSync(paths.savedMeta, 'utf8')) as Record<string, unknown>;
    if (
      typeof m.savedAt !== 'string' ||
      typeof m.bytes !== 'number' ||
      typeof m.qemuVersion !== 'string' ||
      typeof m.argsHash !== 'string'
    )
      return undefined;
    return { savedAt: m.savedAt, bytes: m.bytes, qemuVersion: m.qemuVersion, argsHash: m.argsHash };
  } catch {
    return undefined;
  }
}

/** Why the saved state cannot be restored with today's spec, or undefined when it can. */
export function restoreProblem(
  saved: SavedState,
  spec: VmSpec,
  paths: VmPaths,
  accel: Acceleration,
): string | undefined {
  if (saved.argsHash !== argsHash(spec, paths, accel))
    return 'the VM was changed after it was saved (its machine, devices, memory or accelerator differ)';
  return undefined;
}

export function discardSavedState(paths: VmPaths): void {
  for (const f of [paths.savedState, paths.savedMeta, `${paths.dir}/${TMP}`]) fs.rmSync(f, { force: true });
}

function migrationEvent(h: VmHandle, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const done = () => {
      h.qmp.off('event', onEvent);
      h.qmp.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
    };
    const onEvent = (e: QmpEvent) => {
      const st = e.event === 'MIGRATION' ? e.data?.status : undefined;
      if (st === 'completed' || st === 'failed' || st === 'cancelled') {
        done();
        resolve(st);
      }
    };
    const onClose = () => {
      done();
      reject(new UserError('QEMU exited while the VM was being saved'));
    };
    const onAbort = () => void h.qmp.execute('migrate_cancel').catch(() => undefined);
    h.qmp.on('event', onEvent);
    h.qmp.on('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** QEMU's child processes (the `exec:` migration's shell and cat), from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
      const c = fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      if (c) out.push(...c.split(/\s+/).map(Number));
    }
  } catch {
    /* QEMU gone */
  }
  return out;
}

async function writerGone(pid: number, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  // A short, bounded wait on one process tree (QEMU reaps its child right after completing).
  while (childrenOf(pid).length && Date.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 10));
  if (childrenOf(pid).length) throw new UserError('The saved state was not written out in time');
}

/**
 * Saves the running VM to paths.savedState and ends QEMU. On failure (a device that cannot be
 * saved, no space, cancel) the guest keeps running as before and nothing is left behind.
 */
export async function saveVm(h: VmHandle, spec: VmSpec, signal?: AbortSignal): Promise<SavedState> {
  const paths = h.paths;
  discardSavedState(paths);
  const wasRunning = h.state === 'running';
  await h.qmp.execute('migrate-set-capabilities', {
    capabilities: [{ capability: 'events', state: true }],
  });
  // Stopped first: the state is taken in one pass, and the guest sees no time pass while saving.
  if (wasRunning) await h.qmp.execute('stop');
  const t0 = Date.now();
  const outcome = migrationEvent(h, signal);
  try {
    await h.qmp.execute('migrate', { uri: SAVE_URI });
  } catch (e) {
    outcome.catch(() => undefined);
    if (wasRunning) await h.qmp.execute('cont').catch(() => undefined);
    discardSavedState(paths);
    throw new UserError(
      `VM "${spec.name}" cannot be saved: ${(e as Error).message.replace(/^QEMU refused migrate: /, '')}`,
    );
  }
  const st = await outcome;
  if (st !== 'completed') {
    const info = await h.qmp.execute<{ 'error-desc'?: string }>('query-migrate').catch(() => ({}));
    if (wasRunning) await h.qmp.execute('cont').catch(() => undefined);
    discardSavedState(paths);
    if (signal?.aborted) throw Object.assign(new Error('Cancelled'), { name: 'AbortError' });
    throw new UserError(
      `Saving VM "${spec.name}" failed: ${(info as { 'error-desc'?: string })['error-desc'] ?? st}`,
    );
  }
  // "completed" comes before QEMU closes the pipe and reaps `cat`: the file is whole once the
  // writer is gone.
  await writerGone(h.pid);
  const tmp = `${paths.dir}/${TMP}`;
  const bytes = fs.statSync(tmp).size;
  const saved: SavedState = {
    savedAt: new Date().toISOString(),
    bytes,
    qemuVersion: h.qmp.version,
    argsHash: argsHash(spec, paths, h.accel),
  };
  fs.renameSync(tmp, paths.savedState);
  fs.writeFileSync(paths.savedMeta, JSON.stringify({ ...saved, ms: Date.now() - t0 }, null, 2) + '\n');
  await h.forceOff(5000);
  return saved;
}
