/**
 * A small QMP client over QEMU's unix socket: greeting, `qmp_capabilities`, commands matched to
 * replies by id, and events. One connection per VM; when QEMU dies the socket closes, which is
 * how VMs we did not start learn that they stopped (no polling).
 */
import { EventEmitter } from 'events';
import * as net from 'net';
import { UserError } from '../../common/errors';

export interface QmpEvent {
  readonly event: string;
  readonly data?: Record<string, unknown>;
  readonly timestamp?: { seconds: number; microseconds: number };
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  command: string;
}

export class QmpError extends Error {
  constructor(
    readonly command: string,
    readonly qmpClass: string,
    desc: string,
  ) {
    super(`QEMU refused ${command}: ${desc}`);
    this.name = 'QmpError';
  }
}

export interface QmpClient {
  on(ev: 'event', l: (e: QmpEvent) => void): this;
  on(ev: 'close', l: () => void): this;
  off(ev: 'event', l: (e: QmpEvent) => void): this;
  off(ev: 'close', l: () => void): this;
  once(ev: 'close', l: () => void): this;
}

export class QmpClient extends EventEmitter {
  private buf = '';
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private closedFlag = false;
  /** QEMU's version from the greeting, e.g. "7.2.22". */
  version = '';

  private constructor(private readonly sock: net.Socket) {
    super();
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Connects, reads the greeting and negotiates capabilities. */
  static async connect(socketPath: string, timeoutMs = 10_000, signal?: AbortSignal): Promise<QmpClient> {
    const sock = net.createConnection(socketPath);
    const c = new QmpClient(sock);
    const greeting = new Promise<Record<string, unknown>>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new UserError(`QMP at ${socketPath} did not greet within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onAbort = () => reject(new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      c.greetingWaiter = (g) => {
        clearTimeout(t);
        signal?.removeEventListener('abort', onAbort);
        resolve(g);
      };
      sock.once('error', (e) => {
        clearTimeout(t);
        reject(new UserError(`Cannot connect to QMP at ${socketPath}: ${e.message}`));
      });
    });
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => c.onData(d));
    sock.on('close', () => c.onClose());
    sock.on('error', () => undefined); // 'close' follows and rejects what is pending
    try {
      const g = await greeting;
      const v = (
        g.QMP as { version?: { qemu?: { major: number; minor: number; micro: number } } } | undefined
      )?.version?.qemu;
      if (v) c.version = `${v.major}.${v.minor}.${v.micro}`;
      await c.execute('qmp_capabilities');
      return c;
    } catch (e) {
      sock.destroy();
      throw e;
    }
  }

  private greetingWaiter: ((g: Record<string, unknown>) => void) | undefined;

  private onData(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // QMP only sends JSON objects; ignore anything else rather than crash
      }
      this.onMessage(msg);
    }
  }

  private onMessage(msg: Record<string, unknown>): void {
    if ('QMP' in msg) {
      this.greetingWaiter?.(msg);
      this.greetingWaiter = undefined;
      return;
    }
    if (typeof msg.event === 'string') {
      this.emit('event', {
        event: msg.event,
        data: msg.data as Record<string, unknown> | undefined,
        timestamp: msg.timestamp,
      });
      return;
    }
    const id = typeof msg.id === 'string' ? msg.id : undefined;
    const p = id ? this.pending.get(id) : undefined;
    if (!p || !id) return;
    this.pending.delete(id);
    if ('error' in msg) {
      const err = msg.error as { class?: string; desc?: string };
      p.reject(
        new QmpError(p.command, String(err.class ?? 'GenericError'), String(err.desc ?? 'unknown error')),
      );
    } else p.resolve(msg.return);
  }

  private onClose(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const p of this.pending.values())
      p.reject(new UserError(`QEMU closed the QMP connection during ${p.command}`));
    this.pending.clear();
    this.emit('close');
  }

  /** Runs one QMP command and resolves with its `return` value. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
    if (this.closedFlag) return Promise.reject(new UserError(`QMP connection is closed (${command})`));
    const id = `pv${this.nextId++}`;
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => {
        this.pending.delete(id);
        reject(new UserError(`QEMU did not answer ${command} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        command,
        resolve: (v) => {
          clearTimeout(t);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
      this.sock.write(
        JSON.stringify(args ? { execute: command, arguments: args, id } : { execute: command, id }) + '\n',
      );
    });
  }

  /** Runs a human monitor command (savevm, loadvm, info snapshots…) and returns its text. */
  async hmp(commandLine: string, timeoutMs = 120_000): Promise<string> {
    const out = await this.execute<unknown>(
      'human-monitor-command',
      { 'command-line': commandLine },
      timeoutMs,
    );
    return typeof out === 'string' ? out : '';
  }

  /** Resolves with the next event named `name` (and matching `pred`), or rejects after the timeout. */
  waitEvent(name: string, timeoutMs: number, pred: (e: QmpEvent) => boolean = () => true): Promise<QmpEvent> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(t);
        this.off('event', onEv);
        this.off('close', onClose);
      };
      const onEv = (e: QmpEvent) => {
        if (e.event === name && pred(e)) {
          done();
          resolve(e);
        }
      };
      const onClose = () => {
        done();
        reject(new UserError(`QEMU exited before ${name}`));
      };
      const t = setTimeout(() => {
        done();
        reject(new UserError(`no ${name} event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('event', onEv);
      this.on('close', onClose);
    });
  }

  close(): void {
    this.sock.destroy();
  }
}
