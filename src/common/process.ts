/**
 * The one way Podvisor runs a program: argument arrays (never a shell), each child in its own
 * process group so that cancelling or a timeout stops the whole tree it started (SIGTERM to the
 * group, SIGKILL after a grace period), and every failure as one `ProcessError` carrying the
 * tool's own stderr. `run()` waits for a result; `start()` is for long-lived children (an event
 * stream, a VM, a tar pipe). Backends take a `Runner` so a test can wrap the real one.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import type { Readable, Writable } from 'stream';
import { CancelledError } from './errors';
import { ProcessError } from './processError';

export {
  ProcessError,
  processFailureOf,
  inContext,
  debianPackageOf,
  type ProcessFailure,
} from './processError';

interface Common {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /** Added to this process's environment; a variable set to undefined is removed. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How the user would call this step in an error ("qemu-img create"). */
  readonly label?: string;
  /** Added to a "not found" message: which setting names the binary, say. */
  readonly hint?: string;
  /** SIGTERM → SIGKILL grace when stopping, ms (default 2000). */
  readonly graceMs?: number;
}

export interface RunRequest extends Common {
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  readonly input?: string | Uint8Array;
  readonly timeoutMs?: number;
  /** Most bytes of stdout kept before the process is stopped as a failure (default 64 MiB). */
  readonly maxBuffer?: number;
  /** Exit codes that are answers, not failures (default [0]); 'any' returns every exit code. */
  readonly okExitCodes?: readonly number[] | 'any';
  /** 'buffer': stdout as bytes (a cpio archive); default utf8 text. */
  readonly encoding?: 'utf8' | 'buffer';
}

export interface RunResult<T extends string | Buffer = string> {
  readonly stdout: T;
  readonly stderr: string;
  readonly exitCode: number;
}

/** 'pipe': a stream on the handle; 'ignore': /dev/null; a number: that open file descriptor. */
export type Stdio = 'pipe' | 'ignore' | number;

export interface StartRequest extends Common {
  readonly stdin?: Stdio;
  readonly stdout?: Stdio;
  readonly stderr?: Stdio;
  /**
   * The child must outlive this process (a VM survives a reload of the editor): it does not hold
   * our event loop open and is not stopped when we exit. Its stdio must be files or ignored —
   * a pipe would break when we go.
   */
  readonly outlive?: boolean;
}

export interface ExitStatus {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ProcessHandle {
  /** Undefined only when the process could not be started (see `exited`). */
  readonly pid: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Resolves when the process has exited; rejects with a ProcessError when it could not start. */
  readonly exited: Promise<ExitStatus>;
  /** How it ended, once it has. */
  readonly exitStatus: ExitStatus | undefined;
  /** The last 64 KiB of its stderr (when piped). */
  readonly stderrText: string;
  /**
   * Resolves when it exited 0 and its pipes are drained; rejects with a ProcessError (with its
   * stderr) otherwise, or with CancelledError when the signal stopped it.
   */
  done(): Promise<void>;
  /** SIGTERM to the whole tree, SIGKILL after the grace period; resolves once it has exited. */
  stop(graceMs?: number): Promise<ExitStatus>;
  /** Sends `sig` to the whole tree now. */
  kill(sig?: NodeJS.Signals): void;
}

/** The seam: backends take one of these (default `processRunner`); tests may wrap it. */
export interface Runner {
  run(req: RunRequest & { readonly encoding: 'buffer' }, signal?: AbortSignal): Promise<RunResult<Buffer>>;
  run(req: RunRequest, signal?: AbortSignal): Promise<RunResult<string>>;
  start(req: StartRequest, signal?: AbortSignal): ProcessHandle;
}

const DEFAULT_GRACE_MS = 2_000;
const DEFAULT_MAX_BUFFER = 64 * 1024 * 1024;
const STDERR_KEEP = 64 * 1024;

/** Children that die with us (everything not started with `outlive`). */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(c: ChildProcess): void {
  live.add(c);
  c.once('exit', () => live.delete(c));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const x of live) if (x.pid) signalTree(x.pid, 'SIGTERM');
  });
}

/** Signals the process group led by `pid` (our children lead their own); false when none is left. */
function signalTree(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false;
  }
}

function envOf(env: Common['env']): NodeJS.ProcessEnv {
  if (!env) return process.env;
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete e[k];
    else e[k] = v;
  }
  return e;
}

function spawnFailure(req: Common, err: NodeJS.ErrnoException): ProcessError {
  const base = { command: req.command, args: req.args, label: req.label, hint: req.hint };
  // spawn reports a missing working folder as ENOENT of the binary: say which it really is.
  if (err.code === 'ENOENT' && req.cwd && !fs.existsSync(req.cwd))
    return new ProcessError({ ...base, failure: 'spawn', cause: `the folder ${req.cwd} does not exist` });
  if (err.code === 'ENOENT') return new ProcessError({ ...base, failure: 'not-found' });
  return new ProcessError({ ...base, failure: 'spawn', cause: err.message });
}

/**
 * Stops a child's whole tree: SIGTERM to its group, then SIGKILL to the group after `graceMs`
 * unless the group is already empty when the child exits.
 */
function terminate(c: ChildProcess, graceMs: number): void {
  const pid = c.pid;
  if (!pid) return;
  signalTree(pid, 'SIGTERM');
  const t = setTimeout(() => signalTree(pid, 'SIGKILL'), graceMs);
  const onExit = () => {
    // A grandchild that ignores SIGTERM still holds the group: leave the SIGKILL armed.
    if (!signalTree(pid, 0)) clearTimeout(t);
  };
  if (c.exitCode !== null || c.signalCode !== null) onExit();
  else c.once('exit', onExit);
}

function runImpl(
  req: RunRequest & { readonly encoding: 'buffer' },
  signal?: AbortSignal,
): Promise<RunResult<Buffer>>;
function runImpl(req: RunRequest, signal?: AbortSignal): Promise<RunResult<string>>;
async function runImpl(req: RunRequest, signal?: AbortSignal): Promise<RunResult<string | Buffer>> {
  if (signal?.aborted) throw new CancelledError();
  const grace = req.graceMs ?? DEFAULT_GRACE_MS;
  const maxBuffer = req.maxBuffer ?? DEFAULT_MAX_BUFFER;
  const child = spawn(req.command, [...req.args], {
    cwd: req.cwd,
    env: envOf(req.env),
    stdio: [req.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: true,
    shell: false,
    windowsHide: true,
  });
  if (child.pid) track(child);
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let stopped: 'cancelled' | 'timeout' | 'output-limit' | undefined;
    let spawnError: NodeJS.ErrnoException | undefined;
    const stop = (why: NonNullable<typeof stopped>) => {
      if (stopped) return;
      stopped = why;
      terminate(child, grace);
    };
    const onAbort = () => stop('cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = req.timeoutMs ? setTimeout(() => stop('timeout'), req.timeoutMs) : undefined;
    child.stdout?.on('data', (d: Buffer) => {
      if (stopped) return;
      outBytes += d.length;
      if (outBytes > maxBuffer) stop('output-limit');
      else out.push(d);
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      if (err.length > 2 * STDERR_KEEP) err = err.slice(-STDERR_KEEP);
    });
    if (child.stdin) {
      // A child that exits without reading its input is not an error of ours.
      child.stdin.on('error', () => undefined);
      child.stdin.end(req.input);
    }
    child.once('error', (e: NodeJS.ErrnoException) => (spawnError ??= e));
    child.once('close', (code: number | null, sig: NodeJS.Signals | null) => {
      signal?.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
      const stderr = err.slice(-STDERR_KEEP);
      const base = { command: req.command, args: req.args, label: req.label, stderr };
      if (spawnError && !child.pid) return reject(spawnFailure(req, spawnError));
      if (stopped === 'cancelled') return reject(new CancelledError());
      if (stopped === 'timeout')
        return reject(new ProcessError({ ...base, failure: 'timeout', timeoutMs: req.timeoutMs }));
      if (stopped === 'output-limit')
        return reject(new ProcessError({ ...base, failure: 'output-limit', maxBuffer }));
      if (code === null)
        return reject(new ProcessError({ ...base, failure: 'signal', signal: sig ?? undefined }));
      const ok = req.okExitCodes ?? [0];
      const bytes = Buffer.concat(out);
      if (ok !== 'any' && !ok.includes(code)) {
        // Only its tail: it is the fallback reason when stderr said nothing.
        const stdout = req.encoding === 'buffer' ? undefined : bytes.subarray(-4096).toString('utf8');
        return reject(new ProcessError({ ...base, failure: 'exit', exitCode: code, stdout }));
      }
      resolve({ stdout: req.encoding === 'buffer' ? bytes : bytes.toString('utf8'), stderr, exitCode: code });
    });
  });
}

function startImpl(req: StartRequest, signal?: AbortSignal): ProcessHandle {
  const stdio = [req.stdin ?? 'ignore', req.stdout ?? 'pipe', req.stderr ?? 'pipe'] as const;
  if (req.outlive && stdio.includes('pipe'))
    throw new Error(`start(${req.command}): a child that outlives us cannot have pipes`);
  const grace = req.graceMs ?? DEFAULT_GRACE_MS;
  if (signal?.aborted) throw new CancelledError();
  const child = spawn(req.command, [...req.args], {
    cwd: req.cwd,
    env: envOf(req.env),
    stdio: [...stdio],
    detached: true,
    shell: false,
    windowsHide: true,
  });
  if (req.outlive) child.unref();
  else if (child.pid) track(child);
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    if (err.length > 2 * STDERR_KEEP) err = err.slice(-STDERR_KEEP);
  });
  child.stdin?.on('error', () => undefined);
  let status: ExitStatus | undefined;
  let cancelled = false;
  let spawnError: ProcessError | undefined;
  const exited = new Promise<ExitStatus>((resolve, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) => {
      if (child.pid) return; // a runtime error of a started child (a kill that failed): exit still comes
      spawnError = spawnFailure(req, e);
      reject(spawnError);
    });
    child.once('exit', (exitCode, sig) => resolve((status = { exitCode, signal: sig })));
  });
  exited.catch(() => undefined); // a spawn failure is reported to whoever awaits; never unhandled
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  const onAbort = () => {
    cancelled = true;
    terminate(child, grace);
  };
  if (signal) {
    signal.addEventListener('abort', onAbort, { once: true });
    void exited.finally(() => signal.removeEventListener('abort', onAbort)).catch(() => undefined);
  }
  const handle: ProcessHandle = {
    pid: child.pid,
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    exited,
    get exitStatus() {
      return status;
    },
    get stderrText() {
      return err.slice(-STDERR_KEEP);
    },
    async done() {
      const s = await exited;
      await closed;
      if (cancelled) throw new CancelledError();
      if (s.exitCode === 0) return;
      const base = { command: req.command, args: req.args, label: req.label, stderr: handle.stderrText };
      throw s.exitCode === null
        ? new ProcessError({ ...base, failure: 'signal', signal: s.signal ?? undefined })
        : new ProcessError({ ...base, failure: 'exit', exitCode: s.exitCode });
    },
    async stop(graceMs = grace) {
      if (spawnError) throw spawnError;
      if (!status) terminate(child, graceMs);
      return exited;
    },
    kill(sig = 'SIGKILL') {
      if (child.pid && !status) signalTree(child.pid, sig);
    },
  };
  return handle;
}

/** The real runner. */
export const processRunner: Runner = {
  run: runImpl,
  start: startImpl,
};

/** Runs a program to completion with the real runner (see `RunRequest`). */
export const run: Runner['run'] = runImpl;
/** Starts a long-lived program with the real runner (see `StartRequest`). */
export const start: Runner['start'] = startImpl;
