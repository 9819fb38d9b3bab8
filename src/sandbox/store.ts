/**
 * The live model of the Sandboxes section, on the one refresh model (backends/store.ts): the
 * ids are sandbox names, and a change carries only the sandboxes whose record really changed.
 *
 * Container sandboxes come from the Docker backend's own ContainerStore (its /events stream,
 * its coalescing, its safety poll): this store opens no stream and parses no event, it regroups
 * the engine's containers by the sandbox label whenever the engine store reports a change.
 * MicroVM sandboxes come from the microVM backend's change events (QMP state, QEMU exit, a
 * launch or remove). No timer runs here.
 */
import type { ContainerStore, StoreChange } from '../backends/docker/store';
import { ChangeHub, type ChangeListener, type Store, type StoreStatus } from '../backends/store';
import { messageOf } from '../common/errors';
import type { Logger } from '../common/log';
import { groupSandboxContainers, sandboxInfoOf } from './containerInfo';
import type { MicroVmSandboxes } from './microvm/microvms';
import type { SandboxInfo } from './types';

/** The part of the Docker backend's store this one reads. */
export type EngineFeed = Pick<ContainerStore, 'status' | 'containers' | 'onChange' | 'refresh'>;

export class SandboxStore implements Store<SandboxInfo> {
  private readonly hub: ChangeHub;
  private fromEngine = new Map<string, SandboxInfo>();
  private fromVms = new Map<string, SandboxInfo>();
  private merged = new Map<string, SandboxInfo>();
  private engine?: EngineFeed;
  private unbindEngine?: () => void;
  private readonly unbindVms: () => void;
  private vmWork: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly microvms: MicroVmSandboxes | undefined,
    private readonly log: Logger,
  ) {
    this.hub = new ChangeHub((e) => log.error(`sandbox store listener failed: ${messageOf(e)}`));
    this.unbindVms = microvms?.onChange((name) => this.vmChanged(name)) ?? (() => undefined);
    this.vmChanged(undefined);
  }

  get status(): StoreStatus {
    const s = this.engine?.status;
    if (!s) return { kind: 'connecting' };
    return s.kind === 'unreachable' ? { kind: 'unreachable', reason: s.reason } : { kind: s.kind };
  }

  get items(): ReadonlyMap<string, SandboxInfo> {
    return this.merged;
  }

  /** Changes delivered so far (tests: an idle store delivers none). */
  get delivered(): number {
    return this.hub.delivered;
  }

  onChange(listener: ChangeListener): () => void {
    return this.hub.onChange(listener);
  }

  /** Follows an engine's store (the Containers view's); undefined while there is none. */
  bindEngine(feed: EngineFeed | undefined): void {
    if (feed === this.engine) return;
    this.unbindEngine?.();
    this.unbindEngine = undefined;
    this.engine = feed;
    if (feed) this.unbindEngine = feed.onChange((c) => this.engineChanged(c));
    this.regroup();
    this.hub.markStatus();
  }

  get boundEngine(): EngineFeed | undefined {
    return this.engine;
  }

  /** The engine store runs its own timers while visible; this store has none to start or stop. */
  setVisible(_visible: boolean): void {
    /* nothing of its own */
  }

  async refresh(): Promise<void> {
    await Promise.all([this.engine?.refresh(), this.rescanVms()]);
    this.hub.flush();
  }

  /** Resolves when pending microVM look-ups are done (tests). */
  async idle(): Promise<void> {
    await this.vmWork;
  }

  dispose(): void {
    this.disposed = true;
    this.unbindEngine?.();
    this.unbindVms();
    this.hub.dispose();
  }

  private engineChanged(c: StoreChange): void {
    if (c.status) this.hub.markStatus();
    if (c.ids !== 'all' && !c.ids.length) return; // images only
    this.regroup();
  }

  /** Regroups the engine's containers by sandbox; marks the sandboxes whose record differs. */
  private regroup(): void {
    const next = new Map<string, SandboxInfo>();
    for (const [name, cs] of groupSandboxContainers(this.engine?.containers.values() ?? []))
      next.set(name, sandboxInfoOf(name, cs));
    this.replace('engine', next);
  }

  private vmChanged(name: string | undefined): void {
    if (!this.microvms) return;
    const vms = this.microvms;
    this.vmWork = this.vmWork.then(async () => {
      if (this.disposed) return;
      if (name === undefined) return this.rescanVms();
      const info = await vms.find(name).catch(() => undefined);
      const next = new Map(this.fromVms);
      if (info) next.set(name, info);
      else next.delete(name);
      this.replace('vms', next);
    });
  }

  private async rescanVms(): Promise<void> {
    if (!this.microvms) return;
    const list = await this.microvms.list().catch((e: unknown) => {
      this.log.warn(`sandboxes: cannot list microVMs: ${messageOf(e)}`);
      return [];
    });
    this.replace('vms', new Map(list.map((i) => [i.name, i])));
  }

  private replace(which: 'engine' | 'vms', next: Map<string, SandboxInfo>): void {
    const prev = which === 'engine' ? this.fromEngine : this.fromVms;
    if (which === 'engine') this.fromEngine = next;
    else this.fromVms = next;
    const changed: string[] = [];
    for (const name of new Set([...prev.keys(), ...next.keys()]))
      if (JSON.stringify(prev.get(name)) !== JSON.stringify(next.get(name))) changed.push(name);
    if (!changed.length) return;
    this.merged = new Map([...this.fromEngine, ...this.fromVms]);
    this.hub.mark(...changed);
  }
}
