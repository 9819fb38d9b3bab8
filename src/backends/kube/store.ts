/**
 * The live model of one kube context (src/backends/store.ts contract): one ResourceWatcher per
 * kind (per chosen namespace for namespaced kinds), their items merged into one map, changes
 * coalesced by the ChangeHub and reported by id. No polling: watches drive everything; the only
 * timers are reconnect delays while the server is unreachable, and only while visible.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { CancelledError } from '../../common/errors';
import type { Logger } from '../../common/log';
import { ChangeHub, type ChangeListener, type Store, type StoreStatus } from '../store';
import { KubeHttp } from './http';
import type { KubeItem } from './model';
import { RESOURCES, type ResourceKey } from './resources';
import { ResourceWatcher, type RetryGate, type WatchSink, type WatchState } from './watcher';

export interface KubeStoreOptions {
  readonly context: string;
  readonly config: KubeConfig;
  /** 'all' namespaces, or the chosen ones (remembered per context by the caller). */
  readonly namespaces: 'all' | readonly string[];
  /** The context's own namespace: where a user who may not list all namespaces is looked at. */
  readonly contextNamespace?: string;
  readonly log: Logger;
  /** The kinds to keep (default: all the section shows). */
  readonly resources?: readonly ResourceKey[];
}

export const DEFAULT_RESOURCES: readonly ResourceKey[] = [
  'namespaces',
  'virtualmachines',
  'virtualmachineinstances',
  'pods',
  'runtimeclasses',
  'datavolumes',
  'instancetypes',
  'clusterinstancetypes',
  'preferences',
  'clusterpreferences',
  'storageclasses',
];

/** The window that gathers one burst of watch events into one change. */
const COALESCE_MS = 15;

class Gate implements RetryGate {
  visible = false;
  private readonly timed = new Set<() => void>();
  private readonly untimed = new Set<() => void>();

  /** Becoming visible: retries waiting on a delay go at once (hidden, they had no timer). */
  show(): void {
    this.visible = true;
    for (const w of [...this.timed]) w();
  }

  /** A manual refresh: everything waiting goes at once. */
  wake(): void {
    for (const w of [...this.timed, ...this.untimed]) w();
  }

  private park(signal: AbortSignal, ms?: number): Promise<void> {
    const set = ms === undefined ? this.untimed : this.timed;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (err?: Error) => {
        if (timer) clearTimeout(timer);
        set.delete(done);
        signal.removeEventListener('abort', abort);
        if (err) reject(err);
        else resolve();
      };
      const done = () => finish();
      const abort = () => finish(new CancelledError());
      set.add(done);
      signal.addEventListener('abort', abort, { once: true });
      if (ms !== undefined && this.visible) timer = setTimeout(done, ms);
    });
  }

  wait(ms: number, signal: AbortSignal): Promise<void> {
    return this.park(signal, ms);
  }

  waitForRefresh(signal: AbortSignal): Promise<void> {
    return this.park(signal);
  }
}

export class KubeStore implements Store<KubeItem>, WatchSink {
  readonly http: KubeHttp;
  readonly context: string;
  private readonly hub: ChangeHub;
  private readonly map = new Map<string, KubeItem>();
  private readonly watchers: ResourceWatcher[] = [];
  private readonly gate = new Gate();
  private _status: StoreStatus = { kind: 'connecting' };
  private disposed = false;
  private syncWaiters: Array<() => void> = [];
  private pending = new Set<string>();
  private pendingTimer?: NodeJS.Timeout;

  constructor(private readonly opts: KubeStoreOptions) {
    this.context = opts.context;
    this.http = new KubeHttp(opts.config, opts.context);
    this.hub = new ChangeHub((e) => opts.log.error(`[kube] listener failed: ${(e as Error).message}`));
    const kinds = opts.resources ?? DEFAULT_RESOURCES;
    for (const key of kinds) {
      const r = RESOURCES[key];
      const scopes: Array<string | undefined> =
        !r.namespaced || opts.namespaces === 'all' ? [undefined] : [...opts.namespaces];
      for (const ns of scopes)
        this.watchers.push(
          new ResourceWatcher(
            this.http,
            r,
            ns,
            this,
            this.gate,
            opts.log,
            opts.contextNamespace || 'default',
          ),
        );
    }
    for (const w of this.watchers) w.start();
  }

  get status(): StoreStatus {
    return this._status;
  }

  get items(): ReadonlyMap<string, KubeItem> {
    return this.map;
  }

  onChange(listener: ChangeListener): () => void {
    return this.hub.onChange(listener);
  }

  /** Delivered changes so far (tests: an idle store delivers none). */
  get delivered(): number {
    return this.hub.delivered;
  }

  setVisible(visible: boolean): void {
    if (visible) this.gate.show();
    else this.gate.visible = false;
  }

  /** Manual refresh: retries what waits (unreachable, forbidden, not installed) at once. */
  async refresh(): Promise<void> {
    this.gate.wake();
  }

  /** The state of one kind (the worst of its watchers: unreachable > forbidden > not installed > syncing). */
  resourceState(key: ResourceKey): WatchState | undefined {
    const states = this.watchers.filter((w) => w.resource.key === key).map((w) => w.state);
    if (!states.length) return undefined;
    const rank = ['unreachable', 'error', 'forbidden', 'notInstalled', 'syncing', 'synced'];
    return states.sort((a, b) => rank.indexOf(a.kind) - rank.indexOf(b.kind))[0];
  }

  /** Watch counters per kind (tests: a relist happens only after 410). */
  watchStats(): Array<{ resource: ResourceKey; namespace?: string } & ResourceWatcher['stats']> {
    return this.watchers.map((w) => ({ resource: w.resource.key, namespace: w.namespace, ...w.stats }));
  }

  /** Namespaces to show: listed ones when namespaces can be listed, else the chosen/context ones, plus any an item is in. */
  namespaces(): string[] {
    const out = new Set<string>();
    if (this.opts.namespaces !== 'all') for (const n of this.opts.namespaces) out.add(n);
    else if (this.resourceState('namespaces')?.kind === 'synced') {
      for (const it of this.map.values()) if (it.resource === 'namespaces') out.add(it.name);
    } else out.add(this.opts.contextNamespace || 'default');
    for (const it of this.map.values()) if (it.namespace) out.add(it.namespace);
    return [...out].sort();
  }

  /** Resolves once every watcher has listed once or settled in a state (not installed, forbidden, unreachable). */
  whenSynced(): Promise<void> {
    if (!this.watchers.some((w) => w.state.kind === 'syncing')) return Promise.resolve();
    return new Promise((r) => this.syncWaiters.push(r));
  }

  // WatchSink
  reset(w: ResourceWatcher, items: KubeItem[]): void {
    const owned = (it: KubeItem) =>
      it.resource === w.resource.key && (!w.namespace || it.namespace === w.namespace);
    const next = new Map(items.map((i) => [i.id, i]));
    const changed: string[] = [];
    for (const [id, it] of this.map)
      if (owned(it) && !next.has(id)) {
        this.map.delete(id);
        changed.push(id);
      }
    for (const [id, it] of next) {
      const old = this.map.get(id);
      if (!old || old.resourceVersion !== it.resourceVersion) changed.push(id);
      this.map.set(id, it);
    }
    if (changed.length) this.mark(changed);
  }

  /**
   * Watch events of one burst (a collection delete, a rollout) arrive in many small reads; a
   * short window after the first one gathers them into one change. Armed only by events.
   */
  private mark(ids: string[]): void {
    for (const id of ids) this.pending.add(id);
    if (this.pendingTimer) return;
    this.pendingTimer = setTimeout(() => {
      this.pendingTimer = undefined;
      const batch = [...this.pending];
      this.pending.clear();
      this.hub.mark(...batch);
    }, COALESCE_MS);
  }

  upsert(item: KubeItem): void {
    const old = this.map.get(item.id);
    if (old && old.resourceVersion === item.resourceVersion) return;
    this.map.set(item.id, item);
    this.mark([item.id]);
  }

  remove(item: KubeItem): void {
    if (this.map.delete(item.id)) this.mark([item.id]);
  }

  state(): void {
    const states = this.watchers.map((w) => w.state);
    const bad =
      states.find((s) => s.kind === 'unreachable') ??
      (states.every((s) => s.kind === 'error') ? states[0] : undefined);
    const next: StoreStatus = bad
      ? { kind: 'unreachable', reason: (bad as { reason: string }).reason }
      : states.some((s) => s.kind === 'syncing') && !states.some((s) => s.kind === 'synced')
        ? { kind: 'connecting' }
        : { kind: 'ready' };
    if (JSON.stringify(next) !== JSON.stringify(this._status)) {
      this._status = next;
      this.hub.markStatus();
    } else this.hub.markStatus(); // a kind's own state changed (its node shows it)
    if (!states.some((s) => s.kind === 'syncing')) {
      const w = this.syncWaiters;
      this.syncWaiters = [];
      for (const r of w) r();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of this.watchers) w.stop();
    if (this.pendingTimer) clearTimeout(this.pendingTimer);
    this.http.dispose();
    this.hub.dispose();
  }
}
