/**
 * One resource kind kept current from the API server the way informers do it: list (paged),
 * then watch from the list's resourceVersion with bookmarks, and resume every later watch
 * from the newest resourceVersion seen. Only a 410 Gone (the version is too old) makes it list
 * again. A kind that is not served (KubeVirt not installed) or forbidden (RBAC) is a state, not
 * an error loop: it waits for a manual refresh. An unreachable server is retried through the
 * store's gate (short delays while visible, none while hidden).
 */
import type { IncomingMessage } from 'http';
import { isCancelled } from '../../common/errors';
import type { Logger } from '../../common/log';
import { textOf } from '../../common/text';
import { KubeApiError, isKubeApiError, transportErrorOf } from './errors';
import type { KubeHttp } from './http';
import { toItem, type KubeItem } from './model';
import { collectionPath, type ResourceType } from './resources';

export type WatchState =
  | { readonly kind: 'syncing' }
  | { readonly kind: 'synced' }
  | { readonly kind: 'notInstalled'; readonly reason: string }
  | { readonly kind: 'forbidden'; readonly reason: string }
  | { readonly kind: 'unreachable'; readonly reason: string }
  | { readonly kind: 'error'; readonly reason: string };

export interface WatchSink {
  /** A list replaced everything this watcher holds. */
  reset(watcher: ResourceWatcher, items: KubeItem[]): void;
  upsert(item: KubeItem): void;
  remove(item: KubeItem): void;
  state(watcher: ResourceWatcher, state: WatchState): void;
}

/** How a watcher waits before trying again (the store decides: visible → short delays). */
export interface RetryGate {
  /** Resolves after `ms` while visible, or when woken (refresh); never while hidden and idle. */
  wait(ms: number, signal: AbortSignal): Promise<void>;
  /** Resolves only when woken (a manual refresh): for forbidden and not-installed kinds. */
  waitForRefresh(signal: AbortSignal): Promise<void>;
}

// Pages of 2,000: fewer sequential round trips for big namespaces, still bounded memory per page.
const PAGE = 2000;
const MAX_RETRY_MS = 1000;
const MAX_NOT_SERVED_RETRY_MS = 30_000;

export class ResourceWatcher {
  resourceVersion = '';
  state: WatchState = { kind: 'syncing' };
  /** Counters tests read (successful lists and watches): a relist happens only after 410 Gone. */
  readonly stats = { lists: 0, watches: 0, relistsAfterGone: 0, events: 0, bookmarks: 0 };
  private readonly ac = new AbortController();
  private stream?: IncomingMessage;
  private readonly known = new Map<string, KubeItem>();
  /** Listed once: a later 404 (an API server still starting, a CRD being replaced) is transient. */
  private served = false;

  constructor(
    private readonly http: KubeHttp,
    readonly resource: ResourceType,
    /** Namespace to watch; undefined = all (or cluster-scoped). */
    public namespace: string | undefined,
    private readonly sink: WatchSink,
    private readonly gate: RetryGate,
    private readonly log: Logger,
    /** Where a namespaced kind falls back when listing all namespaces is forbidden. */
    private readonly fallbackNamespace?: string,
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.ac.abort();
    this.stream?.destroy();
  }

  private setState(s: WatchState): void {
    if (JSON.stringify(s) === JSON.stringify(this.state)) return;
    this.state = s;
    this.sink.state(this, s);
  }

  private get label(): string {
    return `${this.resource.plural}${this.namespace ? ` in ${this.namespace}` : ''}`;
  }

  private async run(): Promise<void> {
    let delay = 100;
    const signal = this.ac.signal;
    while (!signal.aborted) {
      try {
        if (!this.resourceVersion) await this.list();
        this.setState({ kind: 'synced' });
        delay = 100;
        await this.watchOnce();
      } catch (e) {
        if (signal.aborted || isCancelled(e)) return;
        const k = isKubeApiError(e) ? e.kind : 'other';
        const reason = (e as Error).message;
        if (k === 'gone') {
          this.log.info(
            `[kube] ${this.label}: resourceVersion ${this.resourceVersion} expired (410), listing again`,
          );
          this.resourceVersion = '';
          this.stats.relistsAfterGone++;
          continue;
        }
        if (k === 'forbidden' && this.resource.namespaced && !this.namespace && this.fallbackNamespace) {
          this.log.info(
            `[kube] ${this.label}: forbidden across namespaces, watching ${this.fallbackNamespace}`,
          );
          this.namespace = this.fallbackNamespace;
          this.resourceVersion = '';
          continue;
        }
        if (k === 'notFound' && this.served) {
          this.setState({ kind: 'unreachable', reason });
          await this.gate.wait(delay, signal).catch(() => undefined);
          delay = Math.min(delay * 2, MAX_NOT_SERVED_RETRY_MS);
          continue;
        }
        if (k === 'notFound' && !this.resourceVersion) {
          const what = this.resource.addon === 'cdi' ? 'CDI' : this.resource.addon ? 'KubeVirt' : 'This API';
          this.setState({
            kind: 'notInstalled',
            reason: `${what} is not installed (${this.resource.group}/${this.resource.version} ${this.resource.plural} is not served)`,
          });
          this.clear();
          await this.gate.waitForRefresh(signal).catch(() => undefined);
          continue;
        }
        if (k === 'forbidden' || k === 'unauthorized' || k === 'credentials' || k === 'tls') {
          this.setState({ kind: k === 'forbidden' ? 'forbidden' : 'error', reason });
          if (k === 'forbidden') this.clear();
          await this.gate.waitForRefresh(signal).catch(() => undefined);
          continue;
        }
        // Unreachable (no answer) is the store's status; anything else (a 5xx, "storage is
        // (re)initializing" while a CRD comes up) is this kind's own state. Both retry.
        this.setState({ kind: k === 'unreachable' ? 'unreachable' : 'error', reason });
        await this.gate.wait(delay, signal).catch(() => undefined);
        delay = Math.min(delay * 2, MAX_RETRY_MS);
      }
    }
  }

  private clear(): void {
    this.resourceVersion = '';
    if (this.known.size) {
      this.known.clear();
      this.sink.reset(this, []);
    }
  }

  private async list(): Promise<void> {
    const items: KubeItem[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.http.request<{
        metadata?: { resourceVersion?: string; continue?: string };
        items?: unknown[];
      }>('GET', collectionPath(this.resource, this.namespace), {
        query: { limit: PAGE, continue: cont },
        signal: this.ac.signal,
        what: `list ${this.label}`,
        timeoutMs: 60_000,
      });
      for (const raw of page.items ?? []) {
        const it = toItem(this.resource.key, raw);
        if (it) items.push(it);
      }
      rv = page.metadata?.resourceVersion ?? rv;
      cont = page.metadata?.continue || undefined;
    } while (cont);
    this.resourceVersion = rv;
    this.stats.lists++;
    this.served = true;
    this.known.clear();
    for (const it of items) this.known.set(it.id, it);
    this.sink.reset(this, items);
  }

  /** One watch request; resolves when the server ends it normally (timeoutSeconds), throws otherwise. */
  private async watchOnce(): Promise<void> {
    const res = await this.http.stream(
      collectionPath(this.resource, this.namespace),
      {
        watch: 1,
        allowWatchBookmarks: true,
        resourceVersion: this.resourceVersion,
        // The server ends a watch after this; we resume from the newest version at once.
        timeoutSeconds: 300 + Math.floor(Math.random() * 300),
      },
      this.ac.signal,
      `watch ${this.label}`,
    );
    this.stream = res;
    this.stats.watches++;
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      let failed: unknown;
      const fail = (e: unknown) => {
        failed ??= e;
        res.destroy();
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim()) {
            try {
              // onEvent checks the fields it uses (type, then the object) before using them.
              this.onEvent(JSON.parse(line) as { type?: string; object?: Record<string, unknown> });
            } catch (e) {
              fail(e);
              return;
            }
          }
        }
      });
      // A server that dies mid-watch ends the response without a clean end: 'aborted'/'error'.
      res.on('aborted', () =>
        fail(
          transportErrorOf(
            Object.assign(new Error('watch connection lost'), { code: 'ECONNRESET' }),
            this.http.server,
          ),
        ),
      );
      res.on('error', (e) => fail(isKubeApiError(e) ? e : transportErrorOf(e, this.http.server)));
      res.on('close', () => {
        this.stream = undefined;
        if (failed) reject(failed instanceof Error ? failed : new Error(textOf(failed)));
        else if (!res.complete)
          reject(
            transportErrorOf(
              Object.assign(new Error('watch connection lost'), { code: 'ECONNRESET' }),
              this.http.server,
            ),
          );
        else resolve();
      });
    });
  }

  private onEvent(ev: { type?: string; object?: Record<string, unknown> }): void {
    const type = ev.type;
    const o = ev.object ?? {};
    if (type === 'ERROR') {
      const code = Number((o as { code?: unknown }).code);
      const message = textOf((o as { message?: unknown }).message) || 'watch error';
      throw new KubeApiError(
        `watch ${this.label}: ${message}`,
        code,
        code === 410 ? 'gone' : 'other',
        textOf((o as { reason?: unknown }).reason),
      );
    }
    const rv = (o.metadata as { resourceVersion?: unknown } | undefined)?.resourceVersion;
    if (typeof rv === 'string' && rv) this.resourceVersion = rv;
    if (type === 'BOOKMARK') {
      this.stats.bookmarks++;
      return;
    }
    const it = toItem(this.resource.key, o);
    if (!it) return;
    this.stats.events++;
    if (type === 'DELETED') {
      this.known.delete(it.id);
      this.sink.remove(it);
    } else if (type === 'ADDED' || type === 'MODIFIED') {
      this.known.set(it.id, it);
      this.sink.upsert(it);
    }
  }
}
