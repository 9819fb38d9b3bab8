/**
 * Streams for terminals: followed logs and an interactive exec shell. No vscode here: the
 * Pseudoterminal adapter just wires these callbacks to its emitters.
 */
import { PassThrough, type Readable } from 'stream';
import type { DockerClient, ExecSession } from './client';
import { engineError } from './errors';
import { assertContainerRef } from './names';

export interface Session {
  /** Output, already converted for a terminal (CRLF). */
  onData(cb: (text: string) => void): void;
  /** The stream ended; `code` is the exec's exit code when known. */
  onExit(cb: (code: number | undefined) => void): void;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  close(): void;
}

/** Bare LF → CRLF for terminals, leaving existing CRLF alone. */
function toTerminalText(s: string): string {
  return s.replace(/\r?\n/g, '\r\n');
}

class BaseSession implements Session {
  private dataCbs: Array<(t: string) => void> = [];
  private exitCbs: Array<(c: number | undefined) => void> = [];
  private buffered: string[] = [];
  private exited?: { code: number | undefined };
  onData(cb: (text: string) => void): void {
    this.dataCbs.push(cb);
    for (const b of this.buffered.splice(0)) cb(b);
  }
  onExit(cb: (code: number | undefined) => void): void {
    this.exitCbs.push(cb);
    if (this.exited) cb(this.exited.code);
  }
  emitData(t: string): void {
    if (!this.dataCbs.length) this.buffered.push(t);
    for (const cb of this.dataCbs) cb(t);
  }
  emitExit(code: number | undefined): void {
    if (this.exited) return;
    this.exited = { code };
    for (const cb of this.exitCbs) cb(code);
  }
  write(_data: string): void {
    /* read-only by default */
  }
  resize(_cols: number, _rows: number): void {
    /* nothing to resize by default */
  }
  close(): void {
    /* overridden */
  }
}

/** `docker logs -f --tail N`: streamed until the container stops or the terminal closes. */
export async function followLogs(
  client: DockerClient,
  id: string,
  opts: { tail: number; timestamps?: boolean },
): Promise<Session> {
  const c = client.api.getContainer(assertContainerRef(id));
  let tty: boolean;
  try {
    const info = (await c.inspect()) as { Config?: { Tty?: boolean } };
    tty = info.Config?.Tty === true;
  } catch (e) {
    throw engineError(`Could not read logs of ${id.slice(0, 12)}`, e);
  }
  let stream: Readable;
  try {
    stream = (await c.logs({
      follow: true,
      stdout: true,
      stderr: true,
      // No tail is the engine's default: all of it.
      ...(opts.tail < 0 ? {} : { tail: opts.tail }),
      timestamps: !!opts.timestamps,
    })) as unknown as Readable; // the HTTP response: a node Readable, typed as the older interface
  } catch (e) {
    throw engineError(`Could not read logs of ${id.slice(0, 12)}`, e);
  }
  const s = new (class extends BaseSession {
    close(): void {
      stream.destroy();
    }
  })();
  const out = new PassThrough();
  if (tty) stream.pipe(out);
  else {
    client.api.modem.demuxStream(stream, out, out);
    stream.on('end', () => out.end());
  }
  out.setEncoding('utf8');
  out.on('data', (t: string) => s.emitData(toTerminalText(t)));
  const done = () => s.emitExit(undefined);
  stream.on('end', done);
  stream.on('close', done);
  stream.on('error', done);
  return s;
}

/** Picks bash when the image has it, else sh. A constant script: nothing from the user goes in. */
export const SHELL_PICKER = [
  '/bin/sh',
  '-c',
  'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi',
];

/** An interactive shell in a running container (exec with a TTY), resizable. */
export async function openShell(
  client: DockerClient,
  id: string,
  opts: { cols?: number; rows?: number; cmd?: string[] } = {},
): Promise<Session> {
  const x = await client.execInteractive(id, { cmd: opts.cmd ?? SHELL_PICKER });
  if (opts.cols && opts.rows) void x.resize(opts.cols, opts.rows);
  return sessionOf(x);
}

/** A terminal Session over an interactive exec (a container shell, a sandbox's shell or console). */
export function sessionOf(x: ExecSession): Session {
  const stream = x.stream;
  const s = new (class extends BaseSession {
    write(data: string): void {
      if (!stream.destroyed) stream.write(data);
    }
    resize(cols: number, rows: number): void {
      if (cols > 0 && rows > 0) void x.resize(cols, rows).catch(() => undefined);
    }
    close(): void {
      stream.end();
      stream.destroy();
    }
  })();
  stream.setEncoding('utf8');
  stream.on('data', (t: string) => s.emitData(t));
  let ended = false;
  const done = () => {
    if (ended) return;
    ended = true;
    x.exitCode()
      .then((c) => s.emitExit(c))
      .catch(() => s.emitExit(undefined));
  };
  stream.on('end', done);
  stream.on('close', done);
  stream.on('error', done);
  return s;
}
