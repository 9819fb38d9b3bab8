/**
 * The Podvisor-managed VMs under one home folder, as a refresh-model store (../store.ts): the
 * model (specs read from disk, running handles), every lifecycle action, and a change with the
 * names of exactly the VMs that changed — from QMP events, QEMU's exit and our own actions. A
 * slow safety poll (only while visible) re-reads the folder for VMs made or edited elsewhere
 * and reports only what it found different.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserError, messageOf } from '../../common/errors';
import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import { processRunner, type Runner } from '../../common/process';
import { ChangeHub, SafetyPoll, type ChangeListener, type Store, type StoreStatus } from '../store';
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

/** VMs made or edited outside this window show up within a minute while the view is open. */
const DEFAULT_SAFETY_POLL_MS = 60_000;

export class VmStore implements Store<VmInfo> {
  private readonly handles = new Map<string, VmHandle>();
  private readonly busy = new Set<string>();
  private specCache = new Map<string, { mtimeMs: number; spec?: VmSpec; problem?: string }>();
  private readonly offline: OfflineSnapshots;
  private readonly model = new Map<string, VmInfo>();
  private loaded = false;
  private _status: StoreStatus = { kind: 'ready' };
  private readonly hub: ChangeHub;
  private readonly poll: SafetyPoll;
  private disposed = false;
  private readonly savingListeners = new Set<(name: string) => void>();
  /** Folder re-reads so far (first load, refreshes, safety polls). */
  readonly stats = { scans: 0 };

  constructor(
    readonly home: string,
    private defaults: VmDefaults,
    private readonly log: Logger = silentLogger,
    /** Runs qemu-img and QEMU; a test may wrap it to see the argument arrays. */
    private readonly runner: Runner = processRunner,
  ) {
    this.offline = new OfflineSnapshots(runner);
    this.hub = new ChangeHub((e) => this.log.error(`VM store listener failed: ${messageOf(e)}`));
    this.poll = new SafetyPoll(
      DEFAULT_SAFETY_POLL_MS,
      async () => this.rescan(),
      (e) => this.log.warn(`VM safety poll failed: ${messageOf(e)}`),
    );
  }

  get status(): StoreStatus {
    this.load();
    return this._status;
  }

  /** The VMs by name (read from the folder on first use). */
  get items(): ReadonlyMap<string, VmInfo> {
    this.load();
    return this.model;
  }

  /** Changes delivered so far (tests assert that an idle store delivers none). */
  get delivered(): number {
    return this.hub.delivered;
  }

  /** Timers held (tests assert 0 while hidden). */
  get timerCount(): number {
    return this.poll.timerCount;
  }

  onChange(listener: ChangeListener): () => void {
    return this.hub.onChange(listener);
  }

  /**
   * Called synchronously, before QEMU starts writing a VM's memory to disk: a holder of
   * connections into the guest (the engine VMs' channel mux) closes them first. Not a change
   * of the model (the VM is still running), so not part of onChange, which is coalesced.
   */
  onSaving(listener: (name: string) => void): () => void {
    this.savingListeners.add(listener);
    return () => this.savingListeners.delete(listener);
  }

  setVisible(visible: boolean): void {
    this.poll.setVisible(visible && !this.disposed);
  }

  /** The safety poll's period while visible (it re-reads the folder); 0 disables. */
  setSafetyPoll(ms: number): void {
    this.poll.setPeriod(ms);
  }

  /** Manual refresh: re-reads the folder now and delivers what changed before it resolves. */
  async refresh(): Promise<void> {
    this.rescan();
    this.hub.flush();
  }

  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    this.rescan(false);
  }

  /**
   * Re-reads the folder (specs are cached by mtime, so this is cheap) and marks the VMs whose
   * info differs from the model. `mark` false: the first load, which nobody has seen yet.
   */
  private rescan(mark = true): void {
    this.loaded = true;
    this.stats.scans++;
    let names: string[];
    try {
      names = this.names();
      if (this._status.kind !== 'ready') {
        this._status = { kind: 'ready' };
        if (mark) this.hub.markStatus();
      }
    } catch (e) {
      const reason = messageOf(e);
      const was = this._status;
      this._status = { kind: 'unreachable', reason };
      this.model.clear();
      if (mark && (was.kind !== 'unreachable' || was.reason !== reason)) this.hub.markStatus();
      return;
    }
    const seen = new Set(names);
    for (const name of names) this.update(name, mark);
    for (const name of [...this.model.keys()])
      if (!seen.has(name)) {
        this.model.delete(name);
        if (mark) this.hub.mark(name);
      }
  }

  /** Recomputes one VM's info; marks it when it differs (added, changed, or gone from disk). */
  private update(name: string, mark = true): void {
    if (this.disposed) return;
    this.load(); // the first read of the folder: after it, this VM is current (and nobody saw the model before)
    const exists = fs.existsSync(path.join(this.home, name));
    const before = this.model.get(name);
    if (!exists && !this.handles.has(name)) {
      if (before) {
        this.model.delete(name);
        if (mark) this.hub.mark(name);
      }
      return;
    }
    const now = this.info(name);
    if (before && sameInfo(before, now)) return;
    this.model.set(name, now);
    if (mark) this.hub.mark(name);
  }

  /**
   * After one of our own actions: the VM's change is delivered before the action returns, so a
   * caller (EngineVms, a command re-reading the tree) sees the state it just caused. Events
   * (QMP, exit) stay coalesced.
   */
  private settled(name: string): void {
    this.update(name);
    this.hub.flush();
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
        this.log.warn(`VM ${name}: could not re-attach: ${messageOf(e)}`);
      }
      this.update(name);
    }
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

  /** The model, sorted by name. */
  list(): VmInfo[] {
    return [...this.items.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** One VM as it is on disk and in QEMU now (also for a name the model does not hold yet). */
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
    h.on('state', () => this.update(name));
    h.once('exit', (e) => {
      if (this.handles.get(name) === h) this.handles.delete(name);
      const how = e.signal ? `killed by ${e.signal}` : `exit ${e.code ?? '?'}`;
      this.log.info(`VM ${name} stopped (${how})${e.reason ? `: ${e.reason}` : ''}`);
      this.update(name);
    });
  }

  async create(req: CreateRequest, signal?: AbortSignal): Promise<VmSpec> {
    const spec = await createVm(this.home, req, signal, this.runner);
    this.log.info(`VM ${spec.name} created in ${path.join(this.home, spec.name)}`);
    this.load();
    this.settled(spec.name);
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
    this.update(name);
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
      this.settled(name);
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
    for (const l of [...this.savingListeners]) {
      try {
        l(name);
      } catch (e) {
        this.log.error(`VM store saving listener failed: ${messageOf(e)}`);
      }
    }
    const saved = await saveVm(h, spec, signal);
    this.log.info(`VM ${name} saved (${(saved.bytes / 1048576).toFixed(0)} MiB of memory state)`);
    this.settled(name);
    return saved;
  }

  /** Forgets a stopped VM's saved memory: its next start boots. */
  discardSaved(name: string): void {
    const h = this.handles.get(name);
    if (h && h.state !== 'stopped') throw new UserError(`VM "${name}" is running.`);
    discardSavedState(this.paths(name));
    this.settled(name);
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
    // Snapshots are not part of the row; the row changes only if the spec did.
    this.settled(name);
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
    this.settled(name);
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
    this.settled(name);
  }

  /** Forgets handles (they keep running); used when the extension deactivates. */
  dispose(): void {
    this.disposed = true;
    this.poll.dispose();
    for (const h of this.handles.values()) {
      h.qmp.close();
      h.serial.close();
    }
    this.handles.clear();
    this.hub.dispose();
  }
}

/**
 * Same row: specs and accelerations are cached objects, so identity says "unchanged"; a saved
 * state is read afresh each time, so it is compared by its fields.
 */
function sameInfo(a: VmInfo, b: VmInfo): boolean {
  return (
    a.saved?.savedAt === b.saved?.savedAt &&
    a.saved?.argsHash === b.saved?.argsHash &&
    a.spec === b.spec &&
    a.problem === b.problem &&
    a.state === b.state &&
    a.pid === b.pid &&
    a.startedAt === b.startedAt &&
    a.accel === b.accel &&
    a.dir === b.dir
  );
}
