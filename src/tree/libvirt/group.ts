import * as vscode from 'vscode';
import type * as Backend from '../../backends/libvirt';
import { messageOf } from '../../common/errors';
import type { Logger } from '../../common/log';
import type { TreeNode } from '../node';
import { MessageNode } from '../message';
import { DomainNode } from './nodes';

type BackendModule = typeof Backend;

export interface GroupDeps {
  readonly backend: () => BackendModule;
  readonly virsh: string;
  readonly log: Logger;
  /** Tell the tree that `node` (or the whole section) changed. */
  readonly fire: (node: TreeNode | undefined) => void;
}

type Status = { kind: 'loading' } | { kind: 'ok' } | { kind: 'error'; message: string; hint: string };

/** Events for these many domains at once are cheaper as one full list. */
const FULL_REFRESH_AT = 6;
/** Bursts (a start is defined+resumed+started…) coalesce into one refresh per domain. */
const COALESCE_MS = 150;

/**
 * One connection URI: a group node with the domains under it. Keeps DomainNode objects stable
 * so an event refreshes one row; a full list replaces the set. Events come from one
 * `virsh event --all --loop` per URI, started only while the view is visible.
 */
export class LibvirtGroup implements TreeNode {
  readonly kind = 'libvirt.group';
  readonly id: string;
  private status: Status = { kind: 'loading' };
  private readonly nodes = new Map<string, DomainNode>();
  private client: Backend.LibvirtClient | undefined;
  private events: Backend.EventStream | undefined;
  private pending = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private loadedOnce = false;
  /** For tests and the log: when the last event arrived and when its refresh landed. */
  lastEventAt = 0;
  lastEventRefreshMs = 0;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after every refresh of this group (full or per domain) that changed something. */
  readonly onDidUpdate = this.changed.event;

  private disposed = false;

  constructor(
    readonly uri: string,
    private readonly deps: GroupDeps,
  ) {
    this.id = `libvirt:${uri}`;
  }

  /** A refresh still running when the group was replaced (settings changed) must not touch the tree. */
  private fire(node: TreeNode): void {
    if (!this.disposed) this.deps.fire(node);
  }

  private get backend(): BackendModule {
    return this.deps.backend();
  }

  private getClient(): Backend.LibvirtClient {
    this.client ??= new this.backend.LibvirtClient(this.uri, { virsh: this.deps.virsh, log: this.deps.log });
    return this.client;
  }

  get domains(): DomainNode[] {
    return [...this.nodes.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get isReachable(): boolean {
    return this.status.kind === 'ok';
  }

  domainNode(name: string): DomainNode | undefined {
    return this.nodes.get(name);
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(
      vscode.l10n.t('libvirt {0}', this.uri),
      vscode.TreeItemCollapsibleState.Expanded,
    );
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(this.status.kind === 'error' ? 'warning' : 'server-environment');
    const s = this.status;
    if (s.kind === 'loading') item.description = vscode.l10n.t('connecting…');
    else if (s.kind === 'error') item.description = vscode.l10n.t('not available');
    else {
      const all = this.nodes.size;
      const running = [...this.nodes.values()].filter((n) => n.domain.state === 'running').length;
      item.description = vscode.l10n.t('{0} running / {1}', running, all);
    }
    item.tooltip = s.kind === 'error' ? `${s.message}\n\n${s.hint}` : this.uri;
    item.contextValue = `libvirt.group.${s.kind}`;
    return item;
  }

  getChildren(): TreeNode[] {
    const s = this.status;
    if (s.kind === 'loading') {
      if (!this.loadedOnce) void this.refreshAll();
      return [
        new MessageNode(
          `${this.id}:loading`,
          vscode.l10n.t('Connecting to {0}…', this.uri),
          { icon: 'loading~spin' },
          this,
        ),
      ];
    }
    if (s.kind === 'error') {
      return [
        new MessageNode(
          `${this.id}:error`,
          s.message,
          {
            description: s.hint,
            tooltip: `${s.message}\n\n${s.hint}`,
            icon: 'error',
            command: {
              command: 'workbench.action.openSettings',
              title: vscode.l10n.t('Open Settings'),
              arguments: ['podvisor.libvirt'],
            },
          },
          this,
        ),
      ];
    }
    if (this.nodes.size === 0)
      return [new MessageNode(`${this.id}:empty`, vscode.l10n.t('No domains defined'), {}, this)];
    return this.domains;
  }

  getParent(): undefined {
    return undefined;
  }

  /** Lists every domain (one virsh call); concurrent calls share one run. */
  refreshAll(): Promise<void> {
    this.inflight ??= this.doRefreshAll().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async doRefreshAll(): Promise<void> {
    this.loadedOnce = true;
    try {
      const list = await this.getClient().listDomains();
      const seen = new Set<string>();
      let setChanged = this.status.kind !== 'ok';
      for (const d of list) {
        seen.add(d.name);
        const n = this.nodes.get(d.name);
        if (n) {
          if (JSON.stringify(n.domain) !== JSON.stringify(d)) {
            n.domain = d;
            // The group's "N running" description may change too: refresh the group row.
            setChanged = true;
          }
        } else {
          this.nodes.set(d.name, new DomainNode(d, this));
          setChanged = true;
        }
      }
      for (const name of [...this.nodes.keys()]) {
        if (!seen.has(name)) {
          this.nodes.delete(name);
          setChanged = true;
        }
      }
      this.status = { kind: 'ok' };
      if (setChanged) this.fire(this);
    } catch (e) {
      const failure = this.backend.failureOf(e);
      const message = messageOf(e);
      const was = this.status;
      this.status = { kind: 'error', message, hint: this.backend.unreachableHint(this.uri, failure) };
      this.nodes.clear();
      if (was.kind !== 'error' || was.message !== message) {
        this.deps.log.warn(`libvirt ${this.uri}: ${message}`);
        this.fire(this);
      }
    }
    if (!this.disposed) this.changed.fire();
  }

  /** Re-reads one domain now (after an action), without waiting for its event. */
  async refreshDomain(name: string): Promise<void> {
    let d: Backend.Domain | undefined;
    try {
      d = await this.getClient().domain(name);
    } catch (e) {
      this.deps.log.warn(`libvirt ${this.uri}: refreshing ${name} failed: ${messageOf(e)}`);
      return this.refreshAll();
    }
    const n = this.nodes.get(name);
    if (!d) {
      if (n) {
        this.nodes.delete(name);
        this.fire(this);
      }
    } else if (!n) {
      this.nodes.set(name, new DomainNode(d, this));
      this.fire(this);
    } else if (JSON.stringify(n.domain) !== JSON.stringify(d)) {
      const runningBefore = n.domain.state === 'running';
      n.domain = d;
      this.fire(n);
      // The group's "N running" description changes too.
      if (runningBefore !== (d.state === 'running')) this.fire(this);
    }
    if (!this.disposed) this.changed.fire();
  }

  private onEvent(e: Backend.DomainEvent): void {
    this.lastEventAt = performance.now();
    this.deps.log.debug(`libvirt event ${this.uri}: ${e.kind} ${e.domain} ${e.detail}`);
    this.pending.add(e.domain);
    this.flushTimer ??= setTimeout(() => void this.flush(), COALESCE_MS);
  }

  private async flush(): Promise<void> {
    this.flushTimer = undefined;
    const names = [...this.pending];
    this.pending.clear();
    const at = this.lastEventAt;
    if (names.length >= FULL_REFRESH_AT || this.status.kind !== 'ok') await this.refreshAll();
    else await Promise.all(names.map((n) => this.refreshDomain(n)));
    this.lastEventRefreshMs = performance.now() - at;
  }

  /** Starts or stops the event stream (it lives only while the view is visible). */
  setWatching(on: boolean): void {
    if (on && !this.events) {
      this.events = new this.backend.EventStream(
        this.uri,
        this.deps.virsh,
        {
          onEvent: (e) => this.onEvent(e),
          // The daemon answers again (or for the first time): catch up with what we missed.
          onConnected: () => void this.refreshAll(),
          onDisconnected: (reason) => {
            this.deps.log.debug(`libvirt ${this.uri}: event stream down (${reason})`);
            if (this.status.kind === 'ok') void this.refreshAll();
          },
        },
        this.deps.log,
      );
    } else if (!on && this.events) {
      this.events.dispose();
      this.events = undefined;
    }
  }

  get eventStreamPid(): number | undefined {
    return this.events?.pid;
  }

  dispose(): void {
    this.disposed = true;
    this.setWatching(false);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.changed.dispose();
  }
}
