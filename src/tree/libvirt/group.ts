import * as vscode from 'vscode';
import type * as Backend from '../../backends/libvirt';
import type { Change } from '../../backends/store';
import type { Logger } from '../../common/log';
import { rowChanges } from '../changes';
import { MessageNode } from '../message';
import type { TreeNode } from '../node';
import { DomainNode } from './nodes';

type BackendModule = typeof Backend;

export interface GroupDeps {
  readonly backend: () => BackendModule;
  readonly virsh: string;
  readonly log: Logger;
  readonly pollSeconds: number;
  /** Tell the tree that `node` changed. */
  readonly fire: (node: TreeNode) => void;
  /** After every change this group applied (the section keeps its context key current). */
  readonly updated: () => void;
}

/**
 * One connection URI: a group row with the domains under it, over the backend's DomainStore
 * (events, coalescing and the safety poll live there). DomainNode objects are kept per name, so
 * a change fires exactly the rows of the domains it names — and this row when its
 * "N running / M" text changed or domains came or went.
 */
export class LibvirtGroup implements TreeNode {
  readonly kind = 'libvirt.group';
  readonly id: string;
  private readonly nodes = new Map<string, DomainNode>();
  private storeValue: Backend.DomainStore | undefined;
  private unsubscribe: (() => void) | undefined;
  private visible = false;
  private disposed = false;
  /** The running count this row shows now (-1: not rendered yet). */
  private shownRunning = -1;

  constructor(
    readonly uri: string,
    private readonly deps: GroupDeps,
  ) {
    this.id = `libvirt:${uri}`;
  }

  /** The connection's store; the backend bundle loads on first use (the first listing). */
  get store(): Backend.DomainStore {
    if (!this.storeValue) {
      const s = new (this.deps.backend().DomainStore)(this.uri, {
        virsh: this.deps.virsh,
        log: this.deps.log,
        safetyPollMs: this.deps.pollSeconds * 1000,
      });
      this.unsubscribe = s.onChange((c) => this.apply(c));
      this.storeValue = s;
      s.setVisible(this.visible);
    }
    return this.storeValue;
  }

  private apply(c: Change): void {
    if (this.disposed) return;
    const items = this.store.items;
    const { rows, structural } = rowChanges(
      c,
      (name) => this.nodes.get(name),
      (node, name) => {
        const d = items.get(name);
        if (!d) return 'gone';
        node.domain = d;
        return true;
      },
    );
    if (structural || this.shownRunning !== this.running()) this.deps.fire(this);
    else for (const n of rows) this.deps.fire(n);
    this.deps.updated();
  }

  private running(): number {
    let n = 0;
    for (const d of this.store.items.values()) if (d.state === 'running') n++;
    return n;
  }

  /** The rows, one per domain of the model, sorted; nodes are reused per name. */
  get domains(): DomainNode[] {
    if (!this.storeValue) return [];
    const items = this.storeValue.items;
    for (const name of [...this.nodes.keys()]) if (!items.has(name)) this.nodes.delete(name);
    for (const d of items.values()) {
      const n = this.nodes.get(d.name);
      if (n) n.domain = d;
      else this.nodes.set(d.name, new DomainNode(d, this));
    }
    return [...this.nodes.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get isReachable(): boolean {
    return this.storeValue?.status.kind === 'ready';
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
    const s = this.storeValue?.status ?? { kind: 'connecting' as const };
    item.iconPath = new vscode.ThemeIcon(s.kind === 'unreachable' ? 'warning' : 'server-environment');
    if (s.kind === 'connecting') item.description = vscode.l10n.t('connecting…');
    else if (s.kind === 'unreachable') item.description = vscode.l10n.t('not available');
    else {
      this.shownRunning = this.running();
      item.description = vscode.l10n.t('{0} running / {1}', this.shownRunning, this.store.items.size);
    }
    item.tooltip = s.kind === 'unreachable' ? `${s.reason}\n\n${s.hint}` : this.uri;
    // The state words menus and tests key on: loading, ok, error.
    item.contextValue = `libvirt.group.${s.kind === 'connecting' ? 'loading' : s.kind === 'ready' ? 'ok' : 'error'}`;
    return item;
  }

  getChildren(): TreeNode[] {
    const s = this.store.status;
    if (s.kind === 'connecting') {
      void this.store.load();
      return [
        new MessageNode(
          `${this.id}:loading`,
          vscode.l10n.t('Connecting to {0}…', this.uri),
          { icon: 'loading~spin' },
          this,
        ),
      ];
    }
    if (s.kind === 'unreachable') {
      return [
        new MessageNode(
          `${this.id}:error`,
          s.reason,
          {
            description: s.hint,
            tooltip: `${s.reason}\n\n${s.hint}`,
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
    const domains = this.domains;
    if (domains.length === 0)
      return [new MessageNode(`${this.id}:empty`, vscode.l10n.t('No domains defined'), {}, this)];
    return domains;
  }

  getParent(): undefined {
    return undefined;
  }

  /** Lists every domain now (manual refresh). */
  refresh(): Promise<void> {
    return this.store.refresh();
  }

  /** Re-reads one domain now (after an action), without waiting for its event. */
  refreshDomain(name: string): Promise<void> {
    return this.store.refreshDomain(name);
  }

  /** The event stream and safety poll run only while the view is visible. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    // Hidden and never shown: nothing to stop, and no reason to load the backend.
    if (visible || this.storeValue) this.store.setVisible(visible);
  }

  get eventStreamPid(): number | undefined {
    return this.storeValue?.eventStreamPid;
  }

  dispose(): void {
    this.disposed = true;
    this.unsubscribe?.();
    this.storeValue?.dispose();
  }
}
