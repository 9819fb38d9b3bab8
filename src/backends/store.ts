/**
 * The one refresh model every backend follows. A store owns the live model of one backend
 * (one Docker engine, one VM home, one libvirt URI, one kube context, the sandboxes), keeps it
 * current from the backend's own events (Docker /events, QMP events and process exit, libvirt
 * events, Kubernetes watches), and tells its listeners which items changed — never "something
 * changed, re-render everything" unless a full listing really replaced the model.
 *
 * The view layer maps ids to tree nodes and fires only those; it runs no timers of its own. A
 * slow safety poll, when a backend needs one, lives in the store, runs only while visible, and
 * emits only what it found different.
 */

/** Whether the backend can be reached at all. */
export type StoreStatus =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'ready' }
  | { readonly kind: 'unreachable'; readonly reason: string };

/** What one update changed. */
export interface Change {
  /** Ids of items added, changed or removed; 'all' after a full listing replaced the model. */
  readonly ids: readonly string[] | 'all';
  /** The store's status changed (connecting → ready, ready → unreachable, a new reason). */
  readonly status?: boolean;
}

/** Whether a change may concern item `id` (it names it, or a full listing replaced everything). */
export function touches(change: Change, id: string): boolean {
  return change.ids === 'all' || change.ids.includes(id);
}

export type ChangeListener<C extends Change = Change> = (change: C) => void;

/**
 * The read side every store offers the view. Richer stores add their own fields and actions,
 * and may deliver a richer change (`C`, e.g. Docker's with images and the event's timestamp):
 * the view reads only `ids` and `status` from it, the same for every section.
 */
export interface Store<T, C extends Change = Change> {
  readonly status: StoreStatus;
  /** The current items by id (stable ids: the tree keeps nodes per id). */
  readonly items: ReadonlyMap<string, T>;
  /** Subscribes; returns the unsubscribe function. */
  onChange(listener: ChangeListener<C>): () => void;
  /** Visible: may run its safety poll and reconnect timers. Hidden: no timer at all. */
  setVisible(visible: boolean): void;
  /** Manual refresh: immediate, bypasses any coalescing delay. */
  refresh(): Promise<void>;
  dispose(): void;
}

/**
 * Listener bookkeeping and coalescing shared by the stores: `mark(id)` collects ids; they are
 * delivered once, on the next turn of the event loop (setImmediate, not a timer), so a burst of
 * events in one chunk becomes one change.
 */
export class ChangeHub {
  private readonly listeners = new Set<ChangeListener>();
  private pending = new Set<string>();
  private pendingAll = false;
  private pendingStatus = false;
  private scheduled = false;
  /** Counts delivered changes (tests assert that an idle store delivers none). */
  delivered = 0;

  constructor(private readonly onListenerError: (e: unknown) => void = () => undefined) {}

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Marks ids as changed (coalesced). */
  mark(...ids: string[]): void {
    for (const id of ids) this.pending.add(id);
    this.schedule();
  }

  markAll(): void {
    this.pendingAll = true;
    this.schedule();
  }

  markStatus(): void {
    this.pendingStatus = true;
    this.schedule();
  }

  /** Delivers a change now, bypassing coalescing (after a manual refresh, say). */
  emit(change: Change): void {
    this.delivered++;
    for (const l of [...this.listeners]) {
      try {
        l(change);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }

  /** Delivers whatever is pending now (a store calls it when it must be current before it returns). */
  flush(): void {
    this.scheduled = false;
    if (!this.pendingAll && !this.pending.size && !this.pendingStatus) return;
    const change: Change = {
      ids: this.pendingAll ? 'all' : [...this.pending],
      ...(this.pendingStatus ? { status: true } : {}),
    };
    this.pending = new Set();
    this.pendingAll = false;
    this.pendingStatus = false;
    this.emit(change);
  }

  dispose(): void {
    this.listeners.clear();
    this.pending.clear();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }
}

/**
 * The slow safety poll of a store: `run` every `ms` while visible, never while hidden, one at a
 * time (the next is scheduled when the previous settled). `run` must emit only what it found
 * different, so an idle backend stays silent even while polled.
 */
export class SafetyPoll {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private visible = false;
  private disposed = false;

  constructor(
    private ms: number,
    private readonly run: () => Promise<void>,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  /** Timers held (0 or 1; tests assert 0 while hidden). */
  get timerCount(): number {
    return this.timer ? 1 : 0;
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.schedule();
    else this.clear();
  }

  /** A new period (settings changed); 0 disables. */
  setPeriod(ms: number): void {
    this.ms = ms;
    this.clear();
    this.schedule();
  }

  /** Starts the period again (after a full listing made the next poll pointless for a while). */
  restart(): void {
    this.clear();
    this.schedule();
  }

  dispose(): void {
    this.disposed = true;
    this.clear();
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.running || !this.visible || this.disposed || !this.ms) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = true;
      void this.run()
        .catch(this.onError)
        .finally(() => {
          this.running = false;
          this.schedule();
        });
    }, this.ms);
  }
}
