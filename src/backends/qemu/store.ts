/**
 * The Podvisor-managed VMs under one home folder: listing (specs read from disk), running
 * handles, and every lifecycle action. Emits `change` with the VM name whenever a VM's state
 * changes — from QMP events and process exit, never from polling.
 */
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import { UserError, messageOf } from '../../common/errors';
import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import { processRunner, type Runner } from '../../common/process';
import { probeKvm, resolveAcceleration, type Acceleration } from './accel';
import { resolveIn } from './args';
import { createVm, type CreateRequest } from './create';
import { attachVm, launchVm, type RunState, type VmHandle } from './launcher';
import { vmNameProblem } from './names';
import { vmPaths, type VmPaths } from './paths';
import { runningQemuPid } from './pidfile';
import { discardSavedState, restoreProblem, saveVm, savedStateOf, type SavedState } from './saveState';
import { liveSnapshots, OfflineSnapshots, type Snapshot } from './snapshots';
import { parseVmSpec, type AccelChoice, type VmSpec } from './spec';

export interface VmInfo {
  readonly name: string;
  readonly dir: string;
  /** Undefined when spec.json could not be read; `problem` says why. */
  readonly spec?: VmSpec;
  readonly problem?: string;
  readonly state: RunState;
  readonly pid?: number;
  readonly startedAt?: number;
  readonly accel?: Acceleration;
  /** A stopped VM whose memory was saved: starting it resumes the guest. */
  readonly saved?: SavedState;
}

export interface VmDefaults {
  readonly accelerator: AccelChoice;
  readonly cpuModel: string;
}

export interface VmStore {
  on(ev: 'change', l: (name: string | undefined) => void): this;
  on(ev: 'saving', l: (name: string) => void): this;
  off(ev: 'saving', l: (name: string) => void): this;
  off(ev: 'change', l: (name: string | undefined) => void): this;
}

export class VmStore extends EventEmitter {
  private readonly handles = new Map<string, VmHandle>();
  private readonly busy = new Set<string>();
  private specCache = new Map<string, { mtimeMs: number; spec?: VmSpec; problem?: string }>();
  private readonly offline: OfflineSnapshots;

  constructor(
    readonly home: string,
    private defaults: VmDefaults,
    private readonly log: Logger = silentLogger,
    /** Runs qemu-img and QEMU; a test may wrap it to see the argument arrays. */
    private readonly runner: Runner = processRunner,
  ) {
    super();
    this.setMaxListeners(50);
    this.offline = new OfflineSnapshots(runner);
  }

  setDefaults(d: VmDefaults): void {
    this.defaults = d;
  }

  paths(name: string): VmPaths {
    const p = vmNameProblem(name);
    if (p) throw new UserError(p);
    return vmPaths(path.join(this.home, name));
  }

  /** Re-attaches to VMs that were running before we started (and cleans stale pidfiles). */
  async attachRunning(): Promise<void> {
    for (const name of this.names()) {
      if (this.handles.has(name)) continue;
      const paths = this.paths(name);
      if (!fs.existsSync(paths.pidfile)) continue;
      try {
        const spec = this.readSpec(name).spec;
        const accel = spec
          ? resolveAcceleration('auto', spec.cpuModel ?? 'auto', await probeKvm(false, this.runner))
          : { accel: 'tcg' as const, cpuModel: 'max', why: '' };
        const h = await attachVm(paths, accel);
        if (h) this.track(name, h);
      } catch (e) {
        this.log.warn(`VM ${name}: could not re-attach: ${(e as Error).message}`);
      }
    }
    this.emit('change', undefined);
  }

  private names(): string[] {
    if (!fs.existsSync(this.home)) return [];
    return fs
      .readdirSync(this.home, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.') && !vmNameProblem(d.name))
      .map((d) => d.name)
      .sort((a, b) => a.localeCompare(b));
  }

  private readSpec(name: string): { spec?: VmSpec; problem?: string } {
    const file = path.join(this.home, name, 'spec.json');
    let mtimeMs: number;
    try {
      mtimeMs = fs.statSync(file).mtimeMs;
    } catch {
      return { problem: 'spec.json is missing' };
    }
    const hit = this.specCache.get(name);
    if (hit && hit.mtimeMs === mtimeMs) return hit;
    let entry: { mtimeMs: number; spec?: VmSpec; problem?: string };
    try {
      let raw: unknown;
      try {
        raw = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (e) {
        // Unreadable (a folder, no permission) or not JSON: a VM with a problem, not a crash.
        throw new UserError(`${name}/spec.json cannot be read: ${messageOf(e)}`);
      }
      const spec = parseVmSpec(raw, `${name}/spec.json`);
      entry =
        spec.name === name
          ? { mtimeMs, spec }
          : { mtimeMs, problem: `spec.json names "${spec.name}", but the folder is "${name}"` };
    } catch (e) {
      entry = { mtimeMs, problem: messageOf(e) };
    }
    this.specCache.set(name, entry);
    return entry;
  }

  list(): VmInfo[] {
    return this.names().map((name) => this.info(name));
  }

  info(name: string): VmInfo {
    const { spec, problem } = this.readSpec(name);
    const h = this.handles.get(name);
    const dir = path.join(this.home, name);
    if (!h) {
      const saved = savedStateOf(vmPaths(dir));
      return {
        name,
        dir,
        spec,
        problem,
        state: this.busy.has(name) ? 'starting' : 'stopped',
        ...(saved ? { saved } : {}),
      };
    }
    return { name, dir, spec, problem, state: h.state, pid: h.pid, startedAt: h.startedAt, accel: h.accel };
  }

  handle(name: string): VmHandle | undefined {
    return this.handles.get(name);
  }

  private running(name: string): VmHandle {
    const h = this.handles.get(name);
    if (!h || h.state === 'stopped') throw new UserError(`VM "${name}" is not running.`);
    return h;
  }

  private track(name: string, h: VmHandle): void {
    this.handles.set(name, h);
    h.on('state', () => this.emit('change', name));
    h.once('exit', (e) => {
      if (this.handles.get(name) === h) this.handles.delete(name);
      const how = e.signal ? `killed by ${e.signal}` : `exit ${e.code ?? '?'}`;
      this.log.info(`VM ${name} stopped (${how})${e.reason ? `: ${e.reason}` : ''}`);
      this.emit('change', name);
    });
  }

  async create(req: CreateRequest, signal?: AbortSignal): Promise<VmSpec> {
    const spec = await createVm(this.home, req, signal, this.runner);
    this.log.info(`VM ${spec.name} created in ${path.join(this.home, spec.name)}`);
    this.emit('change', undefined);
    return spec;
  }

  async acceleration(spec: VmSpec): Promise<Acceleration> {
    const choice =
      spec.accelerator && spec.accelerator !== 'auto' ? spec.accelerator : this.defaults.accelerator;
    const model = spec.cpuModel ?? this.defaults.cpuModel;
    return resolveAcceleration(choice, model, await probeKvm(false, this.runner));
  }

  /**
   * Starts the VM: a saved one is restored and continued (`fresh` discards its state and boots
   * instead); `paused` leaves the CPUs stopped.
   */
  async start(
    name: string,
    opts: { signal?: AbortSignal; paused?: boolean; fresh?: boolean } = {},
  ): Promise<VmHandle> {
    const { spec, problem } = this.readSpec(name);
    if (!spec) throw new UserError(`VM "${name}" cannot start: ${problem}`);
    const existing = this.handles.get(name);
    if (existing && existing.state !== 'stopped') throw new UserError(`VM "${name}" is already running.`);
    if (this.busy.has(name)) throw new UserError(`VM "${name}" is already starting.`);
    this.busy.add(name);
    this.emit('change', name);
    try {
      const accel = await this.acceleration(spec);
      const paths = this.paths(name);
      if (opts.fresh) discardSavedState(paths);
      const saved = savedStateOf(paths);
      if (saved) {
        const p = restoreProblem(saved, spec, paths, accel);
        if (p)
          throw new UserError(
            `VM "${name}" cannot resume: ${p}. Start it fresh (this discards its saved memory).`,
          );
      }
      const h = await launchVm({
        spec,
        paths,
        accel,
        log: this.log,
        signal: opts.signal,
        paused: opts.paused,
        runner: this.runner,
        incoming: !!saved,
      });
      this.track(name, h);
      if (saved) {
        // The guest runs on from here and its disk moves on: the state is spent.
        discardSavedState(paths);
        if (!opts.paused) await h.resume();
        this.log.info(`VM ${name} resumed from its saved state (pid ${h.pid}, ${accel.accel})`);
      } else this.log.info(`VM ${name} started (pid ${h.pid}, ${accel.accel}, cpu ${accel.cpuModel})`);
      return h;
    } finally {
      this.busy.delete(name);
      this.emit('change', name);
    }
  }

  /** ACPI shutdown; resolves when QEMU has exited or after `timeoutMs` (then the VM keeps running). */
  async shutdown(name: string, timeoutMs = 60_000): Promise<boolean> {
    const h = this.running(name);
    // A paused guest can't see the power button: let it run so it can shut down.
    if (h.state === 'paused') await h.resume();
    await h.powerdown();
    const t = new Promise<false>((r) => setTimeout(() => r(false), timeoutMs).unref());
    return Promise.race([h.exited.then(() => true), t]);
  }

  /**
   * Saves the running VM's memory to its folder and ends QEMU; the next start resumes it.
   * Listeners of `saving` close what they hold open into the guest first.
   */
  async save(name: string, signal?: AbortSignal): Promise<SavedState> {
    const h = this.running(name);
    const { spec, problem } = this.readSpec(name);
    if (!spec) throw new UserError(`VM "${name}": ${problem}`);
    if (spec.shares.length)
      throw new UserError(
        `VM "${name}" cannot be saved while it shares folders (virtiofs cannot be saved by QEMU). Shut it down instead.`,
      );
    this.emit('saving', name);
    const saved = await saveVm(h, spec, signal);
    this.log.info(`VM ${name} saved (${(saved.bytes / 1048576).toFixed(0)} MiB of memory state)`);
    this.emit('change', name);
    return saved;
  }

  /** Forgets a stopped VM's saved memory: its next start boots. */
  discardSaved(name: string): void {
    const h = this.handles.get(name);
    if (h && h.state !== 'stopped') throw new UserError(`VM "${name}" is running.`);
    discardSavedState(this.paths(name));
    this.emit('change', name);
  }

  async forceOff(name: string): Promise<void> {
    await this.running(name).forceOff();
  }

  async reboot(name: string): Promise<void> {
    await this.running(name).reset();
  }

  async pause(name: string): Promise<void> {
    await this.running(name).pause();
  }

  async resume(name: string): Promise<void> {
    await this.running(name).resume();
  }

  private writableDisks(name: string): [string, ...string[]] {
    const { spec } = this.readSpec(name);
    const dir = path.join(this.home, name);
    const disks = (spec?.disks ?? [])
      .filter((d) => !d.readOnly && d.format === 'qcow2')
      .map((d) => resolveIn(dir, d.file));
    const [first, ...rest] = disks;
    if (first === undefined)
      throw new UserError(`VM "${name}" has no qcow2 disk, so it cannot have snapshots.`);
    return [first, ...rest];
  }

  async snapshots(name: string, signal?: AbortSignal): Promise<Snapshot[]> {
    const h = this.handles.get(name);
    if (h && h.state !== 'stopped') return liveSnapshots.list(h.qmp);
    return this.offline.list(this.writableDisks(name)[0], signal);
  }

  /** A running VM snapshots over QMP (RAM included); a stopped one with qemu-img, cancellable by `signal`. */
  async snapshot(
    name: string,
    op: 'create' | 'revert' | 'delete',
    snap: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const disks = this.writableDisks(name);
    const h = this.handles.get(name);
    if (h && h.state !== 'stopped') {
      if (op === 'create') await liveSnapshots.create(h.qmp, snap);
      else if (op === 'revert') await liveSnapshots.revert(h.qmp, snap);
      else await liveSnapshots.remove(h.qmp, snap);
    } else if (op === 'revert' && savedStateOf(this.paths(name)))
      throw new UserError(
        `VM "${name}" has saved memory that belongs to its current disk; start it and shut it down, or discard the saved state, before reverting.`,
      );
    else if (op === 'create') await this.offline.create(disks, snap, signal);
    else if (op === 'revert') await this.offline.revert(disks, snap, signal);
    else await this.offline.remove(disks, snap, signal);
    this.emit('change', name);
  }

  /** After an installation: detach the installer ISO so the VM boots from its disk. VM must be stopped. */
  async ejectIso(name: string): Promise<void> {
    const { spec, problem } = this.readSpec(name);
    if (!spec) throw new UserError(`VM "${name}": ${problem}`);
    const h = this.handles.get(name);
    if (h && h.state !== 'stopped')
      throw new UserError(`VM "${name}" is running; shut it down before detaching its ISO.`);
    if (!spec.cdrom) throw new UserError(`VM "${name}" has no installer ISO attached.`);
    const next = { ...spec, cdrom: undefined };
    const file = this.paths(name).spec;
    fs.writeFileSync(file + '.tmp', JSON.stringify(next, null, 2) + '\n');
    fs.renameSync(file + '.tmp', file);
    this.specCache.delete(name);
    this.emit('change', name);
  }

  /** Removes the VM's own folder (never anything else). The VM must be stopped. */
  async delete(name: string): Promise<void> {
    const paths = this.paths(name);
    const h = this.handles.get(name);
    if ((h && h.state !== 'stopped') || this.busy.has(name))
      throw new UserError(`VM "${name}" is running; stop it before deleting it.`);
    const pid = runningQemuPid(paths);
    if (pid) throw new UserError(`VM "${name}" is running (pid ${pid}); stop it before deleting it.`);
    const real = fs.realpathSync(paths.dir);
    if (path.dirname(real) !== fs.realpathSync(this.home) || !fs.existsSync(path.join(real, 'spec.json'))) {
      throw new UserError(`Refusing to delete ${real}: it is not a VM folder directly inside ${this.home}.`);
    }
    fs.rmSync(real, { recursive: true, force: true });
    this.specCache.delete(name);
    this.emit('change', undefined);
  }

  /** Forgets handles (they keep running); used when the extension deactivates. */
  dispose(): void {
    for (const h of this.handles.values()) {
      h.qmp.close();
      h.serial.close();
    }
    this.handles.clear();
    this.removeAllListeners();
  }
}
