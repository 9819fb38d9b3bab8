/**
 * Commands in a pod's container through client-node's `Exec` (the pod exec WebSocket,
 * v5.channel.k8s.io): a terminal session (tty, resizable: the size goes over the resize channel)
 * for "Shell", and a plain run that collects stdout, stderr and the exit code.
 */
import { PassThrough, Readable, type Writable } from 'stream';
import { UserError } from '../../common/errors';
import { checkName } from './actions';
import type { KubeHttp } from './http';
import { streamClients, streamErrorOf } from './streams';

/** The end of a session: the exit code the server reported, or why it ended. */
export interface SessionEnd {
  readonly exitCode?: number;
  readonly message?: string;
}

export interface PodSession {
  /** Keystrokes in. */
  readonly input: Writable;
  /** What the terminal shows (stdout; a tty merges stderr into it). */
  readonly output: Readable;
  resize(columns: number, rows: number): void;
  close(): void;
  readonly done: Promise<SessionEnd>;
}

/** A stdout that client-node sees as resizable (columns, rows, 'resize'): the terminal's size. */
class TerminalOut extends PassThrough {
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  setSize(columns: number, rows: number): void {
    if (columns === this.columns && rows === this.rows) return;
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

/** The exit code in a v1 Status from the error channel ("NonZeroExitCode" carries it as a cause). */
export function exitCodeOf(status: {
  status?: string;
  reason?: string;
  message?: string;
  details?: { causes?: Array<{ reason?: string; message?: string }> };
}): SessionEnd {
  if (status.status === 'Success') return { exitCode: 0 };
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = cause?.message !== undefined ? Number(cause.message) : NaN;
  return Number.isInteger(code) ? { exitCode: code } : { message: status.message ?? 'the command failed' };
}

function checkCommand(command: readonly string[]): void {
  if (!command.length || command.some((a) => typeof a !== 'string'))
    throw new UserError('A command is needed (program and arguments)');
}

/** An interactive session (tty) running `command` in the container. */
export async function openPodSession(
  http: KubeHttp,
  namespace: string,
  pod: string,
  container: string,
  command: readonly string[],
  size: { columns: number; rows: number } = { columns: 80, rows: 24 },
): Promise<PodSession> {
  checkName('namespace', namespace);
  checkName('Pod', pod);
  checkName('container', container);
  checkCommand(command);
  const what = `exec in ${namespace}/${pod} (${container})`;
  const { exec } = streamClients(http.config, () => what);
  const input = new PassThrough();
  const output = new TerminalOut(size.columns, size.rows);
  let settle: (e: SessionEnd) => void = () => undefined;
  const done = new Promise<SessionEnd>((r) => (settle = r));
  let ws: Awaited<ReturnType<typeof exec.exec>>;
  try {
    ws = await exec.exec(namespace, pod, container, [...command], output, null, input, true, (s) =>
      settle(exitCodeOf(s)),
    );
  } catch (e) {
    throw streamErrorOf(e, http.server);
  }
  ws.on('close', () => {
    settle({ message: 'the session closed' });
    output.end();
  });
  return {
    input,
    output,
    resize: (c, r) => output.setSize(c, r),
    close: () => ws.close(),
    done,
  };
}

/** Runs a command to completion (no tty); resolves with its output and exit code. */
export async function execInPod(
  http: KubeHttp,
  namespace: string,
  pod: string,
  container: string,
  command: readonly string[],
  opts: { stdin?: string; signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<{ stdout: string; stderr: string } & SessionEnd> {
  checkName('namespace', namespace);
  checkName('Pod', pod);
  checkName('container', container);
  checkCommand(command);
  const what = `exec in ${namespace}/${pod} (${container})`;
  const { exec } = streamClients(http.config, () => what);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (c: Buffer) => out.push(c));
  const stderr = new PassThrough().on('data', (c: Buffer) => err.push(c));
  const stdin = opts.stdin !== undefined ? Readable.from([opts.stdin]) : null;
  let settle: (e: SessionEnd) => void = () => undefined;
  const done = new Promise<SessionEnd>((r) => (settle = r));
  let ws: Awaited<ReturnType<typeof exec.exec>>;
  try {
    ws = await exec.exec(namespace, pod, container, [...command], stdout, stderr, stdin, false, (s) =>
      settle(exitCodeOf(s)),
    );
  } catch (e) {
    throw streamErrorOf(e, http.server);
  }
  ws.on('close', () => settle({ message: 'the connection closed before the command ended' }));
  const onAbort = () => ws.close();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => ws.close(), opts.timeoutMs ?? 60_000);
  try {
    const end = await done;
    // The status comes after the last output frame; let the streams hand that frame over.
    await new Promise((r) => setImmediate(r));
    return {
      ...end,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
    };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
