/**
 * The domains of one libvirt connection (URI), as a refresh-model store (../store.ts). While
 * visible it follows the connection's `virsh event --all --loop` stream and re-reads only the
 * domains an event named (a burst becomes one read per domain; many at once, one listing), plus
 * a slow safety poll that reports only what it found different. Hidden: no process, no timer.
 */
import { messageOf } from '../../common/errors';
import type { Logger } from '../../common/log';
import { ChangeHub, SafetyPoll, type ChangeListener, type Store } from '../store';
import { LibvirtClient } from './client';
import { EventStream } from './events';
import { unreachableHint } from './hints';
import type { Domain, DomainEvent } from './types';
import { failureOf } from './virsh';

export type DomainStoreStatus =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'ready' }
  /** `hint`: what to do about it (start the daemon, install virsh, fix permissions). */
  | { readonly kind: 'unreachable'; readonly reason: string; readonly hint: string };

export interface DomainStoreOptions {
  readonly virsh: string;
  readonly log: Logger;
  /** Safety poll period while visible; 0 disables. */
  readonly safetyPollMs?: number;
  /** This many domains named in one burst: one listing instead of one read each. */
  readonly bulkThreshold?: number;
}

export class DomainStore implements Store<Domain> {
  readonly client: LibvirtClient;
  private readonly model = new Map<string, Domain>();
  private _status: DomainStoreStatus = { kind: 'connecting' };
  private readonly hub: ChangeHub;
  private readonly poll: SafetyPoll;
  private events: EventStream | undefined;
  private visible = false;
  private disposed = false;
  private loading: Promise<void> | undefined;
  // Coalescing: names collected while a read runs join the next one (no timer).
  private pending = new Set<string>();
  private flushScheduled = false;
  private queue: Promise<void> = Promise.resolve();
  readonly stats = { events: 0, lists: 0, reads: 0 };
  /** performance.now() of the last event, and how long until its change was delivered (the log, tests). */
  lastEventAt = 0;
  lastEventRefreshMs = 0;

  constructor(
    readonly uri: string,
    private readonly opts: DomainStoreOptions,
  ) {
    this.client = new LibvirtClient(uri, { virsh: opts.virsh, log: opts.log });
    this.hub = new ChangeHub((e) => opts.log.error(`libvirt store listener failed: ${messageOf(e)}`));
    this.poll = new SafetyPoll(
      opts.safetyPollMs ?? 60_000,
      () => this.enqueue(() => this.list()),
      (e) => opts.log.warn(`libvirt ${uri}: safety poll failed: ${messageOf(e)}`),
    );
  }

  get status(): DomainStoreStatus {
    return this._status;
  }

  get items(): ReadonlyMap<string, Domain> {
    return this.model;
  }

  get delivered(): number {
    return this.hub.delivered;
  }

  /** Timers held by the store itself (the event stream's restart back-off is the stream's). */
  get timerCount(): number {
    return this.poll.timerCount;
  }

  get eventStreamPid(): number | undefined {
    return this.events?.pid;
  }

  onChange(listener: ChangeListener): () => void {
    return this.hub.onChange(listener);
  }

  /** The first listing (the view asked for the domains); later calls share it. */
  load(): Promise<void> {
    return (this.loading ??= this.refresh());
  }

  /** Visible: the event stream runs and the model catches up on what it missed. Hidden: nothing runs. */
  setVisible(visible: boolean): void {
    if (this.disposed || this.visible === visible) return;
    this.visible = visible;
    this.poll.setVisible(visible);
    if (visible) {
      this.events = new EventStream(
        this.uri,
        this.opts.virsh,
        {
          onEvent: (e) => this.onEvent(e),
          // The daemon answers (again, or for the first time): catch up with what we missed.
          onConnected: () => void this.refresh(),
          onDisconnected: (reason) => {
            this.opts.log.debug(`libvirt ${this.uri}: event stream down (${reason})`);
            if (this._status.kind === 'ready') void this.refresh();
          },
        },
        this.opts.log,
      );
      void this.refresh();
    } else {
      this.events?.dispose();
      this.events = undefined;
    }
  }

  setSafetyPoll(ms: number): void {
    this.poll.setPeriod(ms);
  }

  /** Manual refresh: one listing now; what changed is delivered before it resolves. */
  async refresh(): Promise<void> {
    this.loading ??= Promise.resolve();
    await this.enqueue(() => this.list());
    this.hub.flush();
  }

  /** Re-reads one domain now (after an action), without waiting for its event. */
  async refreshDomain(name: string): Promise<void> {
    await this.enqueue(() => this.read([name]));
    this.hub.flush();
  }

  dispose(): void {
    this.disposed = true;
    this.poll.dispose();
    this.events?.dispose();
    this.events = undefined;
    this.hub.dispose();
  }

  private onEvent(e: DomainEvent): void {
    this.stats.events++;
    this.lastEventAt = performance.now();
    this.opts.log.debug(`libvirt event ${this.uri}: ${e.kind} ${e.domain} ${e.detail}`);
    this.pending.add(e.domain);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // setImmediate, not a timer: the events of this chunk join; those arriving while the read
    // runs join the next one.
    setImmediate(() => {
      void this.enqueue(async () => {
        this.flushScheduled = false;
        const names = [...this.pending];
        this.pending = new Set();
        const at = this.lastEventAt;
        if (names.length >= (this.opts.bulkThreshold ?? 6) || this._status.kind !== 'ready')
          await this.list();
        else await this.read(names);
        this.hub.flush();
        this.lastEventRefreshMs = performance.now() - at;
      });
    });
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const run = this.queue.then(work, work);
    this.queue = run.catch((e) => this.opts.log.warn(`libvirt ${this.uri}: ${messageOf(e)}`));
    return this.queue;
  }

  /** One listing of every domain; marks the domains that differ and a change of status. */
  private async list(): Promise<void> {
    if (this.disposed) return;
    this.stats.lists++;
    let list: Domain[];
    try {
      list = await this.client.listDomains();
    } catch (e) {
      this.unreachable(e);
      return;
    }
    if (this.disposed) return;
    this.ready();
    const seen = new Set<string>();
    for (const d of list) {
      seen.add(d.name);
      this.set(d.name, d);
    }
    for (const name of [...this.model.keys()]) if (!seen.has(name)) this.set(name, undefined);
  }

  /** Re-reads the named domains; a failure falls back to one listing (which says why). */
  private async read(names: readonly string[]): Promise<void> {
    for (const name of names) {
      if (this.disposed) return;
      this.stats.reads++;
      let d: Domain | undefined;
      try {
        d = await this.client.domain(name);
      } catch (e) {
        this.opts.log.warn(`libvirt ${this.uri}: reading ${name} failed: ${messageOf(e)}`);
        await this.list();
        return;
      }
      this.set(name, d);
    }
  }

  private set(name: string, d: Domain | undefined): void {
    const was = this.model.get(name);
    if (!d) {
      if (was) {
        this.model.delete(name);
        this.hub.mark(name);
      }
      return;
    }
    if (was && sameDomain(was, d)) return;
    this.model.set(name, d);
    this.hub.mark(name);
  }

  private ready(): void {
    if (this._status.kind === 'ready') return;
    this._status = { kind: 'ready' };
    this.hub.markStatus();
  }

  private unreachable(e: unknown): void {
    const reason = messageOf(e);
    const was = this._status;
    this._status = { kind: 'unreachable', reason, hint: unreachableHint(this.uri, failureOf(e)) };
    // The model must not show domains of a connection it can no longer see.
    this.model.clear();
    // Once per outage (or change of reason), not once per attempt.
    if (was.kind !== 'unreachable' || was.reason !== reason) {
      this.opts.log.warn(`libvirt ${this.uri}: ${reason}`);
      this.hub.markStatus();
    }
  }
}

function sameDomain(a: Domain, b: Domain): boolean {
  return (
    a.state === b.state &&
    a.vcpus === b.vcpus &&
    a.memoryKiB === b.memoryKiB &&
    a.maxMemoryKiB === b.maxMemoryKiB &&
    a.uri === b.uri
  );
}
