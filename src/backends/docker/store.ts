/**
 * The live model behind the Containers section: every container and image of one engine, kept
 * current from the engine's /events stream. Only what changed is re-read (one inspect per
 * changed container), bursts are coalesced, the stream reconnects with back-off, and a slow
 * safety poll runs only while the view is visible. While hidden, no timer runs at all.
 * Plain TypeScript: tests and the benchmark drive it in Node against a real engine.
 */
import type { Readable } from 'stream';
import type { Logger } from '../../common/log';
import { messageOf } from '../../common/errors';
import type { Change, Store } from '../store';
import type { DockerClient, EngineInfo } from './client';
import { changesContainer, readEvents, type EngineEvent } from './events';
import { engineErrorInfo } from './errors';
import type { ContainerInfo, ImageInfo } from './model';

export type StoreStatus =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'ready'; readonly engine?: EngineInfo }
  | { readonly kind: 'unreachable'; readonly reason: string };

/** The refresh model's Change (ids of containers), plus what only this store knows. */
export interface StoreChange extends Change {
  /** Ids of containers added, changed or removed; 'all' after a full listing. */
  readonly ids: readonly string[] | 'all';
  readonly images: boolean;
  readonly status: boolean;
  readonly cause: 'list' | 'event' | 'poll' | 'runtime' | 'status';
  /** performance.now() of the first engine event this change answers (for latency measurements). */
  readonly eventAt?: number;
}

export interface StoreOptions {
  readonly log: Logger;
  /** Safety poll period while visible; 0 disables. */
  readonly safetyPollMs?: number;
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  /** More changed containers than this in one burst: one full listing instead of inspects. */
  readonly bulkThreshold?: number;
  /** Inspect runtimes (the list lacks them) in the background. */
  readonly resolveRuntimes?: boolean;
}

const IMAGE_ACTIONS = /^(pull|push|tag|untag|delete|import|load|save|prune)$/;

export class ContainerStore implements Store<ContainerInfo, StoreChange> {
  readonly containers = new Map<string, ContainerInfo>();
  images: ImageInfo[] = [];
  private _status: StoreStatus = { kind: 'connecting' };
  /** Runtimes never change for a container id: inspected once, remembered. */
  readonly runtimes = new Map<string, string>();
  private readonly listeners = new Set<(c: StoreChange) => void>();
  private visible = false;
  private disposed = false;
  private started = false;
  private stream?: { abort: AbortController; body?: Readable };
  private connecting?: Promise<void>;
  private reconnectTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private attempts = 0;
  // Coalescing: events collected until the running unit of work is done, then handled at once.
  private pendingIds = new Set<string>();
  private pendingRemoved = new Set<string>();
  private pendingImages = false;
  private pendingEventAt: number | undefined;
  private flushScheduled = false;
  private queue: Promise<void> = Promise.resolve();
  private runtimeWork?: Promise<void>;
  readonly stats = { events: 0, inspects: 0, lists: 0, reconnects: 0 };

  constructor(
    readonly client: DockerClient,
    private readonly opts: StoreOptions,
  ) {}

  get status(): StoreStatus {
    return this._status;
  }

  /** The refresh model's name for the containers by id. */
  get items(): ReadonlyMap<string, ContainerInfo> {
    return this.containers;
  }

  /** Changes delivered so far (tests assert that an idle engine produces none). */
  delivered = 0;

  onChange(listener: (c: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(c: StoreChange): void {
    this.delivered++;
    for (const l of [...this.listeners]) {
      try {
        l(c);
      } catch (e) {
        this.opts.log.error(`store listener failed: ${messageOf(e)}`);
      }
    }
  }

  private setStatus(s: StoreStatus): void {
    const was = this._status;
    this._status = s;
    if (
      was.kind !== s.kind ||
      (was.kind === 'unreachable' && s.kind === 'unreachable' && was.reason !== s.reason)
    ) {
      if (s.kind === 'unreachable') {
        // The model must not show containers of an engine it can no longer see.
        this.containers.clear();
        this.images = [];
      }
      this.emit({ ids: 'all', images: true, status: true, cause: 'status' });
    }
  }

  /** Connects (listing + events). Resolves once the first attempt settled, reachable or not. */
  start(): Promise<void> {
    this.started = true;
    return this.connect();
  }

  setVisible(visible: boolean): void {
    if (this.visible === visible) return;
    this.visible = visible;
    if (!visible) {
      this.clearTimers();
      return;
    }
    if (!this.started || this.disposed) return;
    if (this._status.kind === 'unreachable' && !this.connecting) void this.connect();
    else if (this._status.kind === 'ready') {
      // Catch up on what a hidden view may have missed (the stream keeps running, but a poll did not).
      this.schedulePoll();
    }
  }

  /** Manual refresh: immediate full listing; reconnects first when the engine was unreachable. */
  async refresh(): Promise<void> {
    if (this.disposed) return;
    if (this._status.kind !== 'ready' || !this.stream) {
      this.attempts = 0;
      await this.connect();
      return;
    }
    await this.enqueue(() => this.fullList('list'));
  }

  dispose(): void {
    this.disposed = true;
    this.clearTimers();
    this.closeStream();
    this.listeners.clear();
  }

  /** Number of timers this store holds (tests assert 0 while hidden). */
  get timerCount(): number {
    return (this.reconnectTimer ? 1 : 0) + (this.pollTimer ? 1 : 0);
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.reconnectTimer = this.pollTimer = undefined;
  }

  private closeStream(): void {
    const s = this.stream;
    this.stream = undefined;
    if (s) {
      s.abort.abort();
      s.body?.destroy();
    }
  }

  private connect(): Promise<void> {
    if (this.connecting) return this.connecting;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.connecting = this.doConnect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    if (this.disposed) return;
    this.closeStream();
    try {
      await this.client.ping({ timeoutMs: 2000 });
      // Subscribe before listing so nothing that happens in between is lost.
      await this.openStream();
      await this.enqueue(() => this.fullList('list'));
      if (this.disposed) return;
      this.attempts = 0;
      const engine = await this.client.info().catch(() => undefined);
      this.setStatus({ kind: 'ready', engine });
      this.schedulePoll();
      if (this.opts.resolveRuntimes !== false) this.resolveRuntimes();
    } catch (e) {
      if (this.disposed) return;
      this.closeStream();
      const reason = engineErrorInfo(e).reason;
      // Once per outage (or change of reason), not once per reconnect attempt.
      const again = this.status.kind === 'unreachable' && this.status.reason === reason;
      const msg = `Docker engine at ${this.client.endpoint.host} not reachable: ${reason}`;
      if (again) this.opts.log.debug(msg);
      else this.opts.log.warn(msg);
      this.setStatus({ kind: 'unreachable', reason });
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.disposed || !this.visible || this.reconnectTimer) return;
    // Capped at 1 s: a local socket costs nothing to try, and a restarted engine should be
    // back in the view within 2 s. Only while visible (hidden: no timer; showing reconnects).
    const min = this.opts.reconnectMinMs ?? 250;
    const max = this.opts.reconnectMaxMs ?? 1000;
    const delay = Math.min(max, min * 2 ** Math.min(this.attempts, 10));
    this.attempts++;
    this.stats.reconnects++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
  }

  private schedulePoll(): void {
    const ms = this.opts.safetyPollMs ?? 60_000;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    if (!ms || !this.visible || this.disposed) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      void this.enqueue(() => this.fullList('poll'))
        .catch((e) => this.opts.log.warn(`safety poll failed: ${messageOf(e)}`))
        .finally(() => this.schedulePoll());
    }, ms);
  }

  private async openStream(): Promise<void> {
    const abort = new AbortController();
    const entry: { abort: AbortController; body?: Readable } = { abort };
    this.stream = entry;
    const body = await (this.client.api.getEvents as unknown as (o: unknown) => Promise<Readable>).call(
      this.client.api,
      {
        filters: { type: ['container', 'image'] },
        abortSignal: abort.signal,
      },
    );
    entry.body = body;
    if (this.stream !== entry) {
      body.destroy();
      return;
    }
    readEvents(body, (e) => this.onEvent(e));
    const lost = (why: string) => {
      if (this.stream !== entry || this.disposed) return; // closed on purpose
      this.stream = undefined;
      this.opts.log.info(`Docker events stream ended (${why}); reconnecting`);
      void this.connect();
    };
    body.on('end', () => lost('end'));
    body.on('close', () => lost('close'));
    body.on('error', (e) => lost(messageOf(e)));
  }

  private onEvent(e: EngineEvent): void {
    this.stats.events++;
    if (e.type === 'image' && IMAGE_ACTIONS.test(e.action)) this.pendingImages = true;
    else if (changesContainer(e)) {
      if (e.action === 'destroy') {
        this.pendingRemoved.add(e.id);
        this.pendingIds.delete(e.id);
      } else {
        this.pendingIds.add(e.id);
        // A new container's image may have been pulled or its image count changed.
        if (e.action === 'create' || e.action === 'destroy') this.pendingImages = true;
      }
    } else return;
    this.pendingEventAt ??= e.receivedAt;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // setImmediate, not a timer: every event already in this chunk joins the batch, and events
      // arriving while the batch is being inspected join the next one (natural coalescing).
      setImmediate(
        () =>
          void this.enqueue(() => this.flush()).catch((err) =>
            this.opts.log.warn(`event update failed: ${messageOf(err)}`),
          ),
      );
    }
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const ids = [...this.pendingIds];
    const removed = [...this.pendingRemoved];
    const images = this.pendingImages;
    const eventAt = this.pendingEventAt;
    this.pendingIds = new Set();
    this.pendingRemoved = new Set();
    this.pendingImages = false;
    this.pendingEventAt = undefined;
    if (this.disposed) return;
    if (ids.length + removed.length > (this.opts.bulkThreshold ?? 64)) {
      await this.fullList('event', eventAt);
      return;
    }
    const changed: string[] = [];
    for (const id of removed) {
      this.runtimes.delete(id);
      if (this.containers.delete(id)) changed.push(id);
    }
    await mapLimit(ids, 8, async (id) => {
      this.stats.inspects++;
      const c = await this.client.inspectContainer(id);
      if (c?.runtime) this.runtimes.set(id, c.runtime);
      if (c) this.containers.set(id, c);
      else this.containers.delete(id);
      changed.push(id);
    });
    if (images) this.images = await this.client.listImages();
    if (changed.length || images) this.emit({ ids: changed, images, status: false, cause: 'event', eventAt });
  }

  private async fullList(cause: 'list' | 'poll' | 'event', eventAt?: number): Promise<void> {
    this.stats.lists++;
    const [list, images] = await Promise.all([
      this.client.listContainers({ runtimes: this.runtimes }),
      this.client.listImages(),
    ]);
    const before = new Map(this.containers);
    const imagesBefore = this.images;
    this.containers.clear();
    for (const c of list) this.containers.set(c.id, c);
    for (const id of [...this.runtimes.keys()]) if (!this.containers.has(id)) this.runtimes.delete(id);
    this.images = images;
    if (cause === 'list') this.emit({ ids: 'all', images: true, status: false, cause, eventAt });
    else {
      // A poll (or a bulk of events) tells the view only what it found different: an idle
      // engine polled every minute changes nothing on screen.
      const ids: string[] = [];
      for (const [id, c] of this.containers) {
        const was = before.get(id);
        if (!was || !sameContainer(was, c)) ids.push(id);
      }
      for (const id of before.keys()) if (!this.containers.has(id)) ids.push(id);
      const imagesChanged = JSON.stringify(imagesBefore) !== JSON.stringify(images);
      if (ids.length || imagesChanged)
        this.emit({
          ids: ids.length > (this.opts.bulkThreshold ?? 64) ? 'all' : ids,
          images: imagesChanged,
          status: false,
          cause,
          eventAt,
        });
    }
    // Only once connected: doConnect resolves them itself after its first listing.
    if (this._status.kind === 'ready' && this.opts.resolveRuntimes !== false) this.resolveRuntimes();
  }

  /** Fills in runtimes (for the isolation badge) by inspecting containers the list did not cover. */
  private resolveRuntimes(): void {
    if (this.runtimeWork) return;
    this.runtimeWork = (async () => {
      const missing = [...this.containers.values()].filter((c) => !c.runtime).map((c) => c.id);
      const done: string[] = [];
      await mapLimit(missing, 8, async (id) => {
        if (this.disposed) return;
        this.stats.inspects++;
        const c = await this.client.inspectContainer(id).catch(() => undefined);
        if (!c?.runtime) return;
        this.runtimes.set(id, c.runtime);
        const cur = this.containers.get(id);
        if (cur && !cur.runtime) {
          this.containers.set(id, { ...cur, runtime: c.runtime, isolation: c.isolation });
          done.push(id);
        }
      });
      if (done.length && !this.disposed)
        this.emit({
          ids: done.length > 64 ? 'all' : done,
          images: false,
          status: false,
          cause: 'runtime',
        });
    })().finally(() => (this.runtimeWork = undefined));
  }

  /** Resolves when queued work and runtime resolution are done (tests, benchmark). */
  async idle(): Promise<void> {
    await this.queue;
    await this.runtimeWork;
    await this.queue;
  }
}

/**
 * Whether a listing shows nothing new for a container. The engine's status text ("Up 5 minutes")
 * ages by itself; it alone is no reason to redraw a row (the next redraw shows the new text).
 */
function sameContainer(a: ContainerInfo, b: ContainerInfo): boolean {
  return JSON.stringify({ ...a, statusText: '' }) === JSON.stringify({ ...b, statusText: '' });
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (x: T) => Promise<void>,
): Promise<void> {
  const queue = items[Symbol.iterator]();
  const worker = async () => {
    // One shared iterator: each worker takes the next item, none is taken twice.
    for (let next = queue.next(); !next.done; next = queue.next()) await fn(next.value);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
