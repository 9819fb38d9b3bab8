import * as vscode from 'vscode';
import type * as Kube from '../../backends/kube';
import type { KubeItem, ResourceKey } from '../../backends/kube';
import { MessageNode } from '../message';
import type { TreeNode } from '../node';

/** What the nodes need from their context (the section's per-context connection). */
export interface ContextHost {
  readonly name: string;
  readonly store: Kube.KubeStore | undefined;
  readonly backend: typeof Kube;
}

const BADGE: Record<string, string> = {
  container: 'container',
  gvisor: 'gVisor sandbox',
  vm: 'Kata VM',
  unknown: '',
};

/**
 * One cluster object: a VM, VMI, pod, RuntimeClass, DataVolume, instancetype or preference. Kept
 * per item id by its kind row, so a watch event fires this row alone.
 */
export class ItemNode implements TreeNode {
  constructor(
    public item: KubeItem,
    readonly context: ContextHost,
    private readonly parent: TreeNode,
  ) {}

  get id(): string {
    return `kube:${this.context.name}:${this.item.id}`;
  }

  /** `kube.vm.running`, `kube.vm.stopped`, `kube.vmi.running`, `kube.pod.running`, `kube.object`. */
  get contextValue(): string {
    const s = this.item.summary;
    if (s.kind === 'vm')
      return `kube.vm.${s.printableStatus === 'Running' ? 'running' : s.printableStatus === 'Paused' ? 'paused' : 'stopped'}`;
    if (s.kind === 'vmi')
      return `kube.vmi.${s.paused ? 'paused' : s.phase === 'Running' ? 'running' : 'other'}`;
    if (s.kind === 'pod') return `kube.pod.${s.phase.toLowerCase()}`;
    return 'kube.object';
  }

  getTreeItem(): vscode.TreeItem {
    const b = this.context.backend;
    const t = new vscode.TreeItem(this.item.name, vscode.TreeItemCollapsibleState.None);
    t.id = this.id;
    let description = b.describe(this.item);
    if (this.item.summary.kind === 'pod' && this.context.store) {
      const { isolation, handler } = b.podIsolation(this.item, this.context.store.items);
      const badge = BADGE[isolation];
      description = `${description}${badge ? ` [${badge}]` : ''}`;
      t.tooltip = `${this.item.namespace}/${this.item.name}\nruntime handler: ${handler || 'unknown'}`;
    }
    t.description = description;
    t.contextValue = this.contextValue;
    const s = this.item.summary;
    t.iconPath = new vscode.ThemeIcon(
      s.kind === 'vm' || s.kind === 'vmi' ? 'vm' : s.kind === 'pod' ? 'package' : 'symbol-class',
      s.kind === 'vm' && s.printableStatus === 'Running'
        ? new vscode.ThemeColor('testing.iconPassed')
        : undefined,
    );
    return t;
  }

  getChildren(): TreeNode[] {
    return [];
  }

  getParent(): TreeNode {
    return this.parent;
  }
}

/** A kind under a namespace (or under the cluster): its objects, or why there are none. */
export class KindNode implements TreeNode {
  private readonly nodes = new Map<string, ItemNode>();
  /** The number of objects this row shows now (-1: not rendered yet). */
  private shownCount = -1;

  constructor(
    readonly context: ContextHost,
    readonly resource: ResourceKey,
    readonly label: string,
    /** undefined: cluster-scoped */
    readonly namespace: string | undefined,
    private readonly parent: TreeNode,
  ) {}

  get id(): string {
    return `kube:${this.context.name}:${this.namespace ?? ''}:${this.resource}`;
  }

  private items(): KubeItem[] {
    const store = this.context.store;
    if (!store) return [];
    return [...store.items.values()]
      .filter(
        (i) =>
          i.resource === this.resource && (this.namespace === undefined || i.namespace === this.namespace),
      )
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  getTreeItem(): vscode.TreeItem {
    const state = this.context.store?.resourceState(this.resource);
    const n = this.items().length;
    this.shownCount = n;
    const t = new vscode.TreeItem(
      this.label,
      n ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded,
    );
    t.id = this.id;
    t.description =
      state?.kind === 'notInstalled' || state?.kind === 'forbidden' || state?.kind === 'error'
        ? undefined
        : String(n);
    t.contextValue = `kube.kind.${this.resource}`;
    return t;
  }

  getChildren(): TreeNode[] {
    const state = this.context.store?.resourceState(this.resource);
    if (state?.kind === 'notInstalled')
      return [
        new MessageNode(
          `${this.id}:state`,
          state.reason.startsWith('CDI')
            ? vscode.l10n.t('CDI is not installed')
            : vscode.l10n.t('KubeVirt is not installed'),
          { tooltip: state.reason, icon: 'info' },
          this,
        ),
      ];
    if (state?.kind === 'forbidden')
      return [
        new MessageNode(
          `${this.id}:state`,
          vscode.l10n.t('Forbidden'),
          {
            tooltip: state.reason,
            icon: 'lock',
            description: vscode.l10n.t('RBAC does not allow listing these'),
          },
          this,
        ),
      ];
    if (state?.kind === 'error')
      return [
        new MessageNode(
          `${this.id}:state`,
          state.reason,
          { icon: 'warning', color: 'problemsWarningIcon.foreground' },
          this,
        ),
      ];
    const items = this.items();
    const ids = new Set(items.map((i) => i.id));
    for (const id of [...this.nodes.keys()]) if (!ids.has(id)) this.nodes.delete(id);
    return items.map((i) => {
      let n = this.nodes.get(i.id);
      if (n) n.item = i;
      else this.nodes.set(i.id, (n = new ItemNode(i, this.context, this)));
      return n;
    });
  }

  /** The row of an object, once this kind's children were listed. */
  node(id: string): ItemNode | undefined {
    return this.nodes.get(id);
  }

  /** Rows of the objects shown now (a RuntimeClass change re-renders the pods' badges). */
  shownNodes(): readonly ItemNode[] {
    return [...this.nodes.values()];
  }

  /**
   * The rows a store change of object `id` must fire: its own row when it changed in place;
   * this row (its count and children) when it came or went, or when this row was never listed.
   */
  changed(id: string): TreeNode {
    const item = this.context.store?.items.get(id);
    const n = this.nodes.get(id);
    if (item && n && this.items().length === this.shownCount) {
      n.item = item;
      return n;
    }
    return this;
  }

  getParent(): TreeNode {
    return this.parent;
  }
}

const NAMESPACED: ReadonlyArray<[ResourceKey, string]> = [
  ['virtualmachines', 'VirtualMachines'],
  ['virtualmachineinstances', 'VirtualMachineInstances'],
  ['pods', 'Pods'],
  ['datavolumes', 'DataVolumes'],
  ['instancetypes', 'Instancetypes'],
  ['preferences', 'Preferences'],
];

const CLUSTER: ReadonlyArray<[ResourceKey, string]> = [
  ['runtimeclasses', 'RuntimeClasses'],
  ['clusterinstancetypes', 'Cluster instancetypes'],
  ['clusterpreferences', 'Cluster preferences'],
  ['storageclasses', 'StorageClasses'],
];

export class NamespaceNode implements TreeNode {
  readonly kinds: KindNode[];
  constructor(
    readonly context: ContextHost,
    readonly namespace: string,
    private readonly parent: TreeNode,
  ) {
    this.kinds = NAMESPACED.map(([r, l]) => new KindNode(context, r, l, namespace, this));
  }

  get id(): string {
    return `kube:${this.context.name}:ns:${this.namespace}`;
  }

  getTreeItem(): vscode.TreeItem {
    const t = new vscode.TreeItem(this.namespace, vscode.TreeItemCollapsibleState.Collapsed);
    t.id = this.id;
    t.iconPath = new vscode.ThemeIcon('symbol-namespace');
    t.contextValue = 'kube.namespace';
    return t;
  }

  getChildren(): TreeNode[] {
    return this.kinds;
  }

  getParent(): TreeNode {
    return this.parent;
  }
}

/** The cluster-scoped kinds of a context. */
export class ClusterScopeNode implements TreeNode {
  readonly kinds: KindNode[];
  constructor(
    readonly context: ContextHost,
    private readonly parent: TreeNode,
  ) {
    this.kinds = CLUSTER.map(([r, l]) => new KindNode(context, r, l, undefined, this));
  }

  get id(): string {
    return `kube:${this.context.name}:cluster`;
  }

  getTreeItem(): vscode.TreeItem {
    const t = new vscode.TreeItem(vscode.l10n.t('Cluster'), vscode.TreeItemCollapsibleState.Collapsed);
    t.id = this.id;
    t.iconPath = new vscode.ThemeIcon('server-environment');
    return t;
  }

  getChildren(): TreeNode[] {
    return this.kinds;
  }

  getParent(): TreeNode {
    return this.parent;
  }
}
