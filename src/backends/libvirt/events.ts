import type { Logger } from '../../common/log';
import { messageOf } from '../../common/errors';
import { processRunner, type ProcessHandle, type Runner } from '../../common/process';
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
 * back-off; a stream that stayed up resets the back-off. `dispose()` stops it (its process tree).
 */
export class EventStream {
  private child: ProcessHandle | undefined;
  private timer: NodeJS.Timeout | undefined;
  private backoff = MIN_BACKOFF_MS;
  private disposed = false;

  constructor(
    readonly uri: string,
    private readonly virsh: string,
    private readonly h: EventStreamHandlers,
    private readonly log: Logger,
    private readonly runner: Runner = processRunner,
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
    const child = this.runner.start({
      command: this.virsh,
      args: ['-c', this.uri, 'event', '--all', '--loop'],
      env: { LC_ALL: 'C', LANG: 'C' },
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    });
    this.child = child;
    let buf = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
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
    const settle = setTimeout(() => {
      if (this.child === child && !child.exitStatus) {
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
        child.stderrText
          .split('\n')
          .filter((l) => l.startsWith('error:'))
          .pop()
          ?.slice(6)
          .trim() || why;
      this.log.debug(`libvirt event stream for ${this.uri} ended (${reason}); retry in ${retry} ms`);
      this.h.onDisconnected(reason, retry);
      this.timer = setTimeout(() => this.spawn(), retry);
    };
    child.exited.then(
      (st) => onGone(`virsh event exited (${st.exitCode ?? st.signal})`),
      (e: unknown) => onGone(messageOf(e)),
    );
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.child;
    this.child = undefined;
    if (c && !c.exitStatus) void c.stop().catch(() => undefined);
  }
}
