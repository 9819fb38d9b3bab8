import { spawn, type ChildProcess } from 'child_process';
import type { Logger } from '../../common/log';
import { checkUri } from './names';
import { parseEventLine } from './parse';
import type { DomainEvent } from './types';

export interface EventStreamHandlers {
  onEvent(e: DomainEvent): void;
  /** The stream has been up for a moment (the daemon answers) — a good time for a full refresh. */
  onConnected(): void;
  /** The stream died; it restarts by itself after `retryMs`. */
  onDisconnected(reason: string, retryMs: number): void;
}

const SETTLE_MS = 1_000;
const MIN_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;

/**
 * `virsh -c URI event --all --loop`: one long-running process per connection, parsed line by
 * line. When it dies (daemon restarted, not running yet) it is restarted with exponential
 * back-off; a stream that stayed up resets the back-off. `dispose()` kills it by its pid.
 */
export class EventStream {
  private child: ChildProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private backoff = MIN_BACKOFF_MS;
  private disposed = false;

  constructor(
    readonly uri: string,
    private readonly virsh: string,
    private readonly h: EventStreamHandlers,
    private readonly log: Logger,
  ) {
    checkUri(uri);
    this.spawn();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private spawn(): void {
    if (this.disposed) return;
    const startedAt = Date.now();
    const child = spawn(this.virsh, ['-c', this.uri, 'event', '--all', '--loop'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    });
    this.child = child;
    let buf = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const ev = parseEventLine(line);
        if (ev) this.h.onEvent(ev);
        else if (line.trim()) this.log.trace(`libvirt event (ignored) ${this.uri}: ${line}`);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-2000)));
    const settle = setTimeout(() => {
      if (this.child === child && child.exitCode === null) {
        this.backoff = MIN_BACKOFF_MS;
        this.h.onConnected();
      }
    }, SETTLE_MS);
    const onGone = (why: string) => {
      clearTimeout(settle);
      if (this.child !== child) return;
      this.child = undefined;
      if (this.disposed) return;
      if (Date.now() - startedAt > MAX_BACKOFF_MS) this.backoff = MIN_BACKOFF_MS;
      const retry = this.backoff;
      this.backoff = Math.min(MAX_BACKOFF_MS, this.backoff * 2);
      const reason =
        err
          .split('\n')
          .filter((l) => l.startsWith('error:'))
          .pop()
          ?.slice(6)
          .trim() || why;
      this.log.debug(`libvirt event stream for ${this.uri} ended (${reason}); retry in ${retry} ms`);
      this.h.onDisconnected(reason, retry);
      this.timer = setTimeout(() => this.spawn(), retry);
    };
    child.on('error', (e) => onGone(e.message));
    child.on('exit', (code, sig) => onGone(`virsh event exited (${code ?? sig})`));
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.child;
    this.child = undefined;
    if (c?.pid && c.exitCode === null) {
      try {
        process.kill(c.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  }
}
