/**
 * Starts QEMU for a spec and returns a handle with QMP and the serial console connected.
 * Reusable on its own (sandboxes boot microVMs with it): give it a folder and a spec.
 *
 * QEMU starts running (starting with -S and then `cont` hangs TCG microvm guests at boot here);
 * we connect QMP and the console right away, and anything the guest printed before the console
 * connected is taken from serial.log (QEMU logs every byte). The child is detached
 * (a VM outlives a reload of the editor) but while we run, its exit is our stop signal. VMs
 * found running at startup are re-attached through the pidfile; for them the QMP socket
 * closing is the stop signal. Either way the pidfile and sockets are removed on exit.
 */
import { EventEmitter } from 'events';
import * as fs from 'fs';
import { CancelledError, UserError, messageOf } from '../../common/errors';
import type { Logger } from '../../common/log';
import { silentLogger } from '../../common/log';
import { processRunner, type ProcessHandle, type Runner } from '../../common/process';
import { QEMU_BINARY, type Acceleration } from './accel';
import { qemuArgs, resolveIn } from './args';
import { checkIso, checkKernel } from './images';
import type { VmPaths } from './paths';
import { runningQemuPid } from './pidfile';
import { checkPortsFree } from './ports';
import { QmpClient, type QmpEvent } from './qmp';
import { SerialChannel } from './serial';
import type { VmSpec } from './spec';

export type RunState = 'starting' | 'running' | 'paused' | 'stopping' | 'stopped';

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: string | null;
  /** QEMU's last words (its stderr), when it failed. */
  readonly reason?: string;
}

export interface LaunchOptions {
  readonly spec: VmSpec;
  readonly paths: VmPaths;
  readonly accel: Acceleration;
  readonly log?: Logger;
  readonly signal?: AbortSignal;
  /** Leave the CPUs stopped after launch (state "paused"). */
  readonly paused?: boolean;
  /** Restore paths.savedState instead of booting; the VM is left paused once it is loaded. */
  readonly incoming?: boolean;
  readonly qemuBinary?: string;
  readonly virtiofsd?: string;
  /** Runs QEMU and virtiofsd (default: the real runner). */
  readonly runner?: Runner;
}

export interface VmHandle {
  on(ev: 'state', l: (s: RunState) => void): this;
  on(ev: 'exit', l: (e: ExitInfo) => void): this;
  off(ev: 'state', l: (s: RunState) => void): this;
  off(ev: 'exit', l: (e: ExitInfo) => void): this;
  once(ev: 'exit', l: (e: ExitInfo) => void): this;
}

export class VmHandle extends EventEmitter {
  private stateValue: RunState = 'starting';
  private exitInfo: ExitInfo | undefined;
  readonly exited: Promise<ExitInfo>;
  private resolveExit!: (e: ExitInfo) => void;
  private helpers: ProcessHandle[] = [];

  constructor(
    readonly pid: number,
    readonly qmp: QmpClient,
    readonly serial: SerialChannel,
    readonly paths: VmPaths,
    readonly accel: Acceleration,
    /** Epoch ms when QEMU started (from our spawn, or the pidfile's mtime when re-attached). */
    readonly startedAt: number,
    /** True when this process spawned QEMU (exit comes from the child), false when re-attached. */
    readonly ownChild: boolean,
  ) {
    super();
    this.setMaxListeners(50);
    this.exited = new Promise((r) => (this.resolveExit = r));
    qmp.on('event', (e) => this.onQmpEvent(e));
  }

  get state(): RunState {
    return this.stateValue;
  }

  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** @internal */
  setState(s: RunState): void {
    if (this.stateValue === s || this.stateValue === 'stopped') return;
    this.stateValue = s;
    this.emit('state', s);
  }

  /** @internal */
  addHelper(p: ProcessHandle): void {
    this.helpers.push(p);
  }

  private onQmpEvent(e: QmpEvent): void {
    switch (e.event) {
      case 'STOP':
        if (this.stateValue !== 'stopping') this.setState('paused');
        break;
      case 'RESUME':
        this.setState('running');
        break;
      case 'SHUTDOWN':
        this.setState('stopping');
        break;
      default:
        break;
    }
  }

  /** @internal Called once when QEMU is gone: cleans the pidfile and sockets, stops helpers. */
  markExited(info: ExitInfo): void {
    if (this.exitInfo) return;
    this.exitInfo = info;
    for (const h of this.helpers) h.kill('SIGTERM');
    cleanupRuntime(this.paths);
    this.qmp.close();
    this.serial.close();
    this.stateValue = 'stopped';
    this.emit('state', 'stopped');
    this.emit('exit', info);
    this.resolveExit(info);
  }

  /** ACPI power button: the guest decides to shut down. */
  async powerdown(): Promise<void> {
    await this.qmp.execute('system_powerdown');
  }

  async reset(): Promise<void> {
    await this.qmp.execute('system_reset');
  }

  async pause(): Promise<void> {
    await this.qmp.execute('stop');
  }

  async resume(): Promise<void> {
    await this.qmp.execute('cont');
  }

  /** Force off: `quit` over QMP, SIGKILL if QEMU does not go within `graceMs`. */
  async forceOff(graceMs = 3000): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    this.setState('stopping');
    this.qmp.execute('quit').catch(() => undefined);
    const t = setTimeout(() => tryKill(this.pid, 'SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(t);
    }
  }

  /** SIGKILL now (tests, and a VM that no longer answers QMP). */
  kill(): void {
    tryKill(this.pid, 'SIGKILL');
  }
}

function tryKill(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

export function cleanupRuntime(paths: VmPaths): void {
  for (const f of [paths.pidfile, paths.qmpSock, paths.serialSock, paths.vncSock, paths.engineSock])
    fs.rmSync(f, { force: true });
  if (fs.existsSync(paths.sockDir))
    for (const f of fs.readdirSync(paths.sockDir))
      if (/^ch-[0-9a-f]+\.sock$/.test(f)) fs.rmSync(`${paths.sockDir}/${f}`, { force: true });
  if (paths.sockDir !== paths.dir && fs.existsSync(paths.sockDir)) {
    for (const f of fs.readdirSync(paths.sockDir))
      if (f.endsWith('.sock')) fs.rmSync(`${paths.sockDir}/${f}`, { force: true });
    try {
      fs.rmdirSync(paths.sockDir);
    } catch {
      /* not empty or gone */
    }
  }
}

/** Checks that every file the spec points to is there and is what it claims, before QEMU runs. */
export function preflight(spec: VmSpec, paths: VmPaths): void {
  if (spec.kernel)
    checkKernel(
      resolveIn(paths.dir, spec.kernel),
      spec.initrd ? resolveIn(paths.dir, spec.initrd) : undefined,
    );
  for (const d of spec.disks) {
    const f = resolveIn(paths.dir, d.file);
    if (!fs.existsSync(f)) throw new UserError(`Disk ${f} of VM "${spec.name}" is missing.`);
    if (d.base && !fs.existsSync(d.base))
      throw new UserError(
        `The base image ${d.base} of VM "${spec.name}" is missing (the VM's disk is an overlay on it).`,
      );
  }
  if (spec.cdrom) checkIso(resolveIn(paths.dir, spec.cdrom));
  if (spec.seed) checkIso(resolveIn(paths.dir, spec.seed));
  for (const s of spec.shares)
    if (!fs.existsSync(s.path) || !fs.statSync(s.path).isDirectory())
      throw new UserError(`Shared folder ${s.path} does not exist.`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines = 6): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Connects to a unix socket QEMU is about to create, until it exists or `alive()` says QEMU died. */
async function connectWhenReady<T>(
  connect: () => Promise<T>,
  alive: () => boolean,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<T> {
  const t0 = Date.now();
  let delay = 2;
  for (;;) {
    if (signal?.aborted) throw new CancelledError();
    try {
      return await connect();
    } catch (e) {
      if (!alive()) throw e;
      if (Date.now() - t0 > timeoutMs) throw e;
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 50);
  }
}

async function startVirtiofsd(
  opts: LaunchOptions,
  runner: Runner,
  alive: { children: ProcessHandle[] },
): Promise<void> {
  const bin = opts.virtiofsd ?? '/usr/lib/qemu/virtiofsd';
  if (opts.spec.shares.length && !fs.existsSync(bin))
    throw new UserError(
      `Shared folders need virtiofsd (${bin} not found; Debian package qemu-system-common).`,
    );
  for (const s of opts.spec.shares) {
    const sock = opts.paths.shareSock(s.tag);
    fs.rmSync(sock, { force: true });
    const args = [`--socket-path=${sock}`, '-o', `source=${s.path}`, '-o', 'cache=auto'];
    if (s.readOnly) args.push('-o', 'readonly');
    // It serves the VM, which outlives us: its stderr goes to qemu.log, not to a pipe.
    const log = fs.openSync(opts.paths.qemuLog, 'a');
    const p = runner.start({
      command: bin,
      args,
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: log,
      outlive: true,
    });
    fs.closeSync(log);
    alive.children.push(p);
    let spawnError: unknown;
    p.exited.catch((e: unknown) => (spawnError = e));
    const t0 = Date.now();
    while (!fs.existsSync(sock)) {
      if (spawnError)
        throw new UserError(`virtiofsd for share "${s.tag}" could not start: ${messageOf(spawnError)}`);
      if (p.exitStatus)
        throw new UserError(`virtiofsd for share "${s.tag}" exited: ${tail(opts.paths.qemuLog, 2)}`);
      if (Date.now() - t0 > 10_000)
        throw new UserError(`virtiofsd for share "${s.tag}" did not create its socket`);
      await sleep(10);
    }
  }
}

/** Launches QEMU; on any failure nothing is left running and the runtime files are removed. */
export async function launchVm(opts: LaunchOptions): Promise<VmHandle> {
  const { spec, paths } = opts;
  const log = opts.log ?? silentLogger;
  preflight(spec, paths);
  await checkPortsFree(spec.network.forwards);
  const runningPid = runningQemuPid(paths);
  if (runningPid) throw new UserError(`VM "${spec.name}" is already running (pid ${runningPid}).`);
  cleanupRuntime(paths);
  fs.mkdirSync(paths.sockDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(paths.qemuLog, '');
  // One boot per serial.log (the previous boot's stays as serial.log.1).
  if (fs.existsSync(paths.serialLog)) fs.renameSync(paths.serialLog, paths.serialLog + '.1');

  const runner = opts.runner ?? processRunner;
  const helpers = { children: [] as ProcessHandle[] };
  const args = qemuArgs(spec, paths, opts.accel, { paused: opts.paused, incoming: opts.incoming });
  const bin = opts.qemuBinary ?? QEMU_BINARY;
  let child: ProcessHandle | undefined;
  let qmp: QmpClient | undefined;
  let serial: SerialChannel | undefined;
  try {
    await startVirtiofsd(opts, runner, helpers);
    log.info(`qemu: ${bin} ${args.join(' ')}`);
    const out = fs.openSync(paths.qemuLog, 'a');
    const startedAt = Date.now();
    // Its own process group, not tied to our event loop: the VM outlives a reload of the editor.
    child = runner.start({
      command: bin,
      args,
      cwd: paths.dir,
      stdin: 'ignore',
      stdout: out,
      stderr: out,
      outlive: true,
    });
    fs.closeSync(out);
    const c = child;
    let spawnError: unknown;
    c.exited.catch((e: unknown) => (spawnError = e));
    const alive = () => !c.exitStatus && !spawnError;
    qmp = await connectWhenReady(
      () => QmpClient.connect(paths.qmpSock, 10_000),
      alive,
      30_000,
      opts.signal,
    ).catch((e: unknown) => {
      if (spawnError) throw spawnError instanceof Error ? spawnError : new Error(messageOf(spawnError));
      if (!alive())
        throw new UserError(
          `QEMU failed to start VM "${spec.name}": ${tail(paths.qemuLog) || `exit ${c.exitStatus?.exitCode ?? c.exitStatus?.signal}`}`,
        );
      throw e;
    });
    serial = await connectWhenReady(
      () => SerialChannel.connect(paths.serialSock, paths.serialLog),
      alive,
      10_000,
      opts.signal,
    );
    const pid = c.pid;
    if (!pid) throw new UserError(`QEMU for VM "${spec.name}" has no pid`);
    const h = new VmHandle(pid, qmp, serial, paths, opts.accel, startedAt, true);
    for (const p of helpers.children) h.addHelper(p);
    void c.exited.then(({ exitCode, signal }) => {
      const reason = exitCode !== 0 && signal === null ? tail(paths.qemuLog, 3) : undefined;
      h.markExited({ code: exitCode, signal, reason });
    });
    // The VM may outlive us. The QMP socket (ref'd) keeps our loop alive while it runs; its
    // closing is the fallback exit signal if the child's exit never comes.
    qmp.once('close', () =>
      setTimeout(
        () => h.markExited({ code: c.exitStatus?.exitCode ?? null, signal: c.exitStatus?.signal ?? null }),
        1000,
      ),
    );
    if (!alive()) throw new UserError(`QEMU exited during start: ${tail(paths.qemuLog)}`);
    if (opts.incoming) {
      try {
        await waitIncoming(qmp, alive, opts.signal);
      } catch (e) {
        // A failed load ends QEMU; its log has the reason ("load of migration failed: …").
        await Promise.race([c.exited.catch(() => undefined), sleep(1000)]);
        if (!alive())
          throw new UserError(
            `QEMU could not restore the saved state of "${spec.name}": ${tail(paths.qemuLog, 3)}`,
          );
        throw e;
      }
      h.setState('paused');
      return h;
    }
    h.setState(opts.paused ? 'paused' : 'running');
    return h;
  } catch (e) {
    qmp?.close();
    serial?.close();
    if (child?.pid && !child.exitStatus) {
      child.kill('SIGKILL');
      await child.exited.catch(() => undefined);
    }
    for (const p of helpers.children) p.kill('SIGKILL');
    cleanupRuntime(paths);
    if (opts.signal?.aborted) throw new CancelledError();
    throw e;
  }
}

/**
 * Waits until QEMU has loaded the incoming state. The saved guest was stopped, so QEMU stays
 * paused afterwards ("postmigrate" is not reached on this side: the status goes from
 * "inmigrate" to "paused"); a failed load makes QEMU exit with the reason in its log.
 */
async function waitIncoming(qmp: QmpClient, alive: () => boolean, signal?: AbortSignal): Promise<void> {
  let delay = 5;
  for (;;) {
    if (signal?.aborted) throw new UserError('Start cancelled');
    const st = await qmp.execute<{ status?: string }>('query-status');
    if (st.status !== 'inmigrate') {
      if (st.status === 'paused' || st.status === 'running') return;
      throw new UserError(`QEMU could not restore the saved state (status ${st.status ?? '?'})`);
    }
    if (!alive()) throw new UserError('QEMU exited while restoring the saved state');
    // A bounded wait on one load (a second or two), not a refresh poll.
    await sleep(delay);
    delay = Math.min(delay * 2, 40);
  }
}

/**
 * Re-attaches to a VM found running (pidfile + `kill 0` + command line check). Returns
 * undefined, after removing stale runtime files, when it is not running.
 */
export async function attachVm(paths: VmPaths, accel: Acceleration): Promise<VmHandle | undefined> {
  const pid = runningQemuPid(paths);
  if (!pid) {
    cleanupRuntime(paths);
    return undefined;
  }
  // What it really runs with, from its own command line (settings may have changed since).
  const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const argOf = (flag: string): string | undefined => argv[argv.indexOf(flag) + 1];
  const ran = argOf('-accel');
  if (argv.includes('-accel') && (ran === 'kvm' || ran === 'tcg')) {
    accel = {
      accel: ran,
      cpuModel: argv.includes('-cpu') ? (argOf('-cpu') ?? accel.cpuModel) : accel.cpuModel,
      why: ran === accel.accel ? accel.why : `${ran.toUpperCase()} (as started)`,
    };
  }
  const qmp = await QmpClient.connect(paths.qmpSock, 5000);
  // This boot's console history is in serial.log (rotated per boot): the terminal shows it.
  const serial = await SerialChannel.connect(paths.serialSock, paths.serialLog);
  const startedAt = fs.statSync(paths.pidfile).mtimeMs;
  const h = new VmHandle(pid, qmp, serial, paths, accel, startedAt, false);
  const st = await qmp.execute<unknown>('query-status');
  const running = typeof st === 'object' && st !== null && 'running' in st && st.running === true;
  h.setState(running ? 'running' : 'paused');
  // Not our child: the QMP connection closing is QEMU exiting.
  qmp.once('close', () => h.markExited({ code: null, signal: null }));
  return h;
}
