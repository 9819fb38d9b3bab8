import * as vscode from 'vscode';
import type * as Kube from '../../backends/kube';
import { UserError, messageOf } from '../../common/errors';
import type { Logger } from '../../common/log';
import { sameSection } from '../../common/settings';
import { loadLazy } from '../../host/lazy';
import type { SettingsStore } from '../../host/settingsStore';
import { MessageNode } from '../message';
import type { TreeNode, WorkloadSection } from '../node';
import { ClusterScopeNode, NamespaceNode, type ContextHost, type KindNode } from './nodes';

export const CLUSTERS_SECTION_ID = 'clusters';
const NS_KEY = 'podvisor.kube.namespaces.';

/**
 * One kube context: its node, and (once shown) its store. The store's changes fire only the
 * kind rows they touch; a status change (unreachable, back) fires the context row.
 */
export class ContextNode implements TreeNode, ContextHost {
  store: Kube.KubeStore | undefined;
  private readonly nsNodes = new Map<string, NamespaceNode>();
  private clusterNode?: ClusterScopeNode;
  private unsub?: () => void;
  private shownNamespaces = '';

  constructor(
    readonly info: Kube.KubeContextInfo,
    readonly isCurrent: boolean,
    readonly isSelected: boolean,
    private readonly section: ClustersSection,
  ) {}

  get name(): string {
    return this.info.name;
  }

  get backend(): typeof Kube {
    return this.section.backend;
  }

  get id(): string {
    return `kube:ctx:${this.info.name}`;
  }

  /** Connects (creates the store) if not yet connected. */
  connect(): Kube.KubeStore {
    if (this.store) return this.store;
    const b = this.backend;
    const set = this.section.kubeconfig!;
    const namespaces = this.section.namespacesOf(this.name);
    this.store = new b.KubeStore({
      context: this.name,
      config: set.configFor(this.name),
      namespaces,
      contextNamespace: this.info.namespace,
      log: this.section.log,
    });
    this.store.setVisible(this.section.visible);
    this.unsub = this.store.onChange((ch) => this.onChange(ch));
    return this.store;
  }

  private onChange(ch: { ids: readonly string[] | 'all'; status?: boolean }): void {
    const s = this.store!;
    const nss = s.namespaces().join(',');
    if (ch.status || ch.ids === 'all' || nss !== this.shownNamespaces) {
      this.section.fire(this);
      return;
    }
    // Each id names one object (`resource/namespace/name`): fire its row, or its kind's row
    // when objects came or went. Never the whole context for one object.
    const fired = new Set<TreeNode>();
    const fire = (n: TreeNode | undefined) => {
      if (n && !fired.has(n)) {
        fired.add(n);
        this.section.fire(n);
      }
    };
    for (const id of ch.ids) {
      const [resource, ns] = id.split('/');
      const parent = ns ? this.nsNodes.get(ns) : this.clusterNode;
      const kind = parent?.kinds.find((k) => k.resource === resource);
      if (kind) fire(kind.changed(id));
    }
    // Pods show their RuntimeClass's handler: a RuntimeClass change re-renders the pods' rows.
    if (ch.ids.some((id) => id.startsWith('runtimeclasses/')))
      for (const n of this.nsNodes.values())
        for (const pod of n.kinds.find((k) => k.resource === 'pods')?.shownNodes() ?? []) fire(pod);
  }

  getTreeItem(): vscode.TreeItem {
    const t = new vscode.TreeItem(
      this.info.name,
      this.isSelected ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
    );
    t.id = this.id;
    const status = this.store?.status;
    t.description = [
      this.isCurrent ? vscode.l10n.t('current') : '',
      this.info.server.replace(/^https?:\/\//, ''),
      status?.kind === 'unreachable' ? vscode.l10n.t('unreachable') : '',
    ]
      .filter(Boolean)
      .join(' · ');
    t.tooltip = `${this.info.name}\n${this.info.server}\nuser ${this.info.user}${this.info.namespace ? `\nnamespace ${this.info.namespace}` : ''}`;
    t.iconPath = new vscode.ThemeIcon(
      status?.kind === 'unreachable' ? 'debug-disconnect' : 'cloud',
      status?.kind === 'unreachable' ? new vscode.ThemeColor('problemsErrorIcon.foreground') : undefined,
    );
    t.contextValue = `kube.context.${status?.kind ?? 'idle'}`;
    return t;
  }

  getChildren(): TreeNode[] {
    let store: Kube.KubeStore;
    try {
      store = this.connect();
    } catch (e) {
      return [
        new MessageNode(
          `${this.id}:error`,
          messageOf(e),
          { icon: 'error', color: 'problemsErrorIcon.foreground' },
          this,
        ),
      ];
    }
    const st = store.status;
    if (st.kind === 'unreachable')
      return [
        new MessageNode(
          `${this.id}:unreachable`,
          st.reason,
          {
            icon: 'error',
            color: 'problemsErrorIcon.foreground',
            contextValue: 'kube.unreachable',
            command: {
              command: 'podvisor.kube.retry',
              title: vscode.l10n.t('Retry'),
              arguments: [this.name],
            },
            description: vscode.l10n.t('Retry'),
          },
          this,
        ),
      ];
    if (st.kind === 'connecting')
      return [
        new MessageNode(
          `${this.id}:connecting`,
          vscode.l10n.t('Connecting…'),
          { icon: 'loading~spin' },
          this,
        ),
      ];
    const nss = store.namespaces();
    this.shownNamespaces = nss.join(',');
    const out: TreeNode[] = [];
    for (const ns of nss) {
      let n = this.nsNodes.get(ns);
      if (!n) this.nsNodes.set(ns, (n = new NamespaceNode(this, ns, this)));
      out.push(n);
    }
    this.clusterNode ??= new ClusterScopeNode(this, this);
    out.push(this.clusterNode);
    return out;
  }

  getParent(): TreeNode | undefined {
    return undefined;
  }

  /** The kind row for a namespace (tests and reveal). */
  kindNode(namespace: string | undefined, resource: Kube.ResourceKey): KindNode | undefined {
    const p = namespace ? this.nsNodes.get(namespace) : this.clusterNode;
    return p?.kinds.find((k) => k.resource === resource);
  }

  dispose(): void {
    this.unsub?.();
    this.store?.dispose();
    this.store = undefined;
  }
}

/**
 * The Clusters part of the Workloads view: every context of the kubeconfig (found like kubectl),
 * the selected one expanded and connected; the others connect when expanded. The backend
 * bundle (client-node) loads when the section first lists, not at activation.
 */
export class ClustersSection implements WorkloadSection {
  readonly id = CLUSTERS_SECTION_ID;
  readonly order = 40;
  visible = false;
  kubeconfig: Kube.KubeconfigSet | undefined;
  private loadError = '';
  private nodes: ContextNode[] = [];
  private loaded = false;
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChange = this.changed.event;
  private readonly sub: vscode.Disposable;

  constructor(
    private readonly settings: SettingsStore,
    readonly log: Logger,
    private readonly state: vscode.Memento,
    private readonly loadBackend = () => loadLazy<typeof Kube>('kube'),
  ) {
    this.sub = settings.onDidChange(({ previous, current }) => {
      if (sameSection(previous.kubernetes, current.kubernetes)) return;
      this.reload();
    });
  }

  get backend(): typeof Kube {
    return this.loadBackend();
  }

  fire(node: TreeNode | undefined): void {
    this.changed.fire(node);
  }

  /** The context the section connects to: the setting, else the kubeconfig's current one. */
  get selectedContext(): string {
    return this.settings.current.kubernetes.context || this.kubeconfig?.current || '';
  }

  namespacesOf(context: string): 'all' | readonly string[] {
    const v = this.state.get<unknown>(NS_KEY + context);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') && v.length ? v : 'all';
  }

  async setNamespaces(context: string, namespaces: 'all' | readonly string[]): Promise<void> {
    await this.state.update(NS_KEY + context, namespaces === 'all' ? undefined : [...namespaces]);
    this.reload();
  }

  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    try {
      const k = this.settings.current.kubernetes;
      this.kubeconfig = this.backend.loadKubeconfig({ explicit: k.kubeconfig });
      this.loadError = '';
      const selected = this.selectedContext;
      this.nodes = this.kubeconfig.contexts.map(
        (c) => new ContextNode(c, c.name === this.kubeconfig!.current, c.name === selected, this),
      );
    } catch (e) {
      this.kubeconfig = undefined;
      this.nodes = [];
      this.loadError = messageOf(e);
    }
    void vscode.commands.executeCommand('setContext', 'podvisor.kube.hasContexts', this.nodes.length > 0);
  }

  reload(): void {
    for (const n of this.nodes) n.dispose();
    this.nodes = [];
    this.loaded = false;
    this.changed.fire(undefined);
  }

  roots(): TreeNode[] {
    this.load();
    if (this.loadError)
      return [
        new MessageNode('kube:no-kubeconfig', vscode.l10n.t('Clusters: {0}', this.loadError), {
          icon: 'info',
          command: {
            command: 'workbench.action.openSettings',
            title: vscode.l10n.t('Open Settings'),
            arguments: ['podvisor.kubernetes.kubeconfig'],
          },
        }),
      ];
    return this.nodes;
  }

  contexts(): readonly ContextNode[] {
    this.load();
    return this.nodes;
  }

  context(name: string): ContextNode | undefined {
    return this.contexts().find((n) => n.name === name);
  }

  /** The connected store of a context (connecting it now if needed). */
  store(name = this.selectedContext): Kube.KubeStore {
    const n = this.context(name);
    if (!n) throw new UserError(vscode.l10n.t('No kube context "{0}" in the kubeconfig', name));
    return n.connect();
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    for (const n of this.nodes) n.store?.setVisible(visible);
  }

  async refresh(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.store?.refresh() ?? Promise.resolve()));
  }

  dispose(): void {
    for (const n of this.nodes) n.dispose();
    this.nodes = [];
    this.sub.dispose();
    this.changed.dispose();
  }
}
