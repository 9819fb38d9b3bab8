import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Change } from '../../backends/store';
import type { Logger } from '../../common/log';
import type { Settings } from '../../common/settings';
import { loadLazy } from '../../host/lazy';
import type { ContainersSection } from '../containers/section';
import { escapeMarkdown, tooltipMarkdown } from '../markdown';
import { MessageNode } from '../message';
import type { TreeNode, WorkloadSection } from '../node';

export type SandboxModule = typeof import('../../sandbox');
type Sandboxes = import('../../sandbox').Sandboxes;
type SandboxStore = import('../../sandbox').SandboxStore;
type SandboxInfo = import('../../sandbox').SandboxInfo;

const BADGE: Record<string, string> = {
  container: 'runc',
  gvisor: 'gVisor',
  kata: 'Kata',
  microvm: 'microVM',
};
const SOURCE_ICON: Record<string, string> = {
  devcontainer: 'json',
  pod: 'symbol-namespace',
  kubevirt: 'vm',
  image: 'package',
};

class SandboxNode implements TreeNode {
  readonly id: string;
  constructor(
    public info: SandboxInfo,
    private readonly parent: TreeNode,
  ) {
    this.id = `sandbox:${info.name}`;
  }
  getTreeItem(): vscode.TreeItem {
    const i = this.info;
    const item = new vscode.TreeItem(
      i.name,
      i.ports.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.id = this.id;
    const ports = i.ports.map((p) => `${p.host}→${p.container}`).join(' ');
    item.description = [BADGE[i.level] ?? i.level, i.source.label, ports, i.problem ? '⚠' : '']
      .filter(Boolean)
      .join(' · ');
    const running = i.state === 'running';
    item.iconPath = i.problem
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
      : new vscode.ThemeIcon(
          running ? 'vm-running' : 'vm-outline',
          running ? new vscode.ThemeColor('testing.iconPassed') : undefined,
        );
    item.contextValue = `sandbox.${running ? 'running' : 'stopped'}`;
    // Names, paths and labels come from files and engine labels: escaped; only our own icons render.
    const e = escapeMarkdown;
    const lines = [`**${e(i.name)}** — ${e(i.state)}`, ''];
    if (i.problem) lines.push(`$(warning) ${e(i.problem)}`, '');
    lines.push(
      `$(shield) ${e(BADGE[i.level] ?? i.level)}  `,
      `$(${SOURCE_ICON[i.source.kind] ?? 'file'}) ${e(i.source.kind)}: ${e(i.source.label)}${i.source.file ? ` (${e(i.source.file)})` : ''}  `,
    );
    if (i.workspace) lines.push(`$(folder) ${e(i.workspace)} → ${e(i.workspaceTarget ?? '')}  `);
    for (const p of i.ports)
      lines.push(`$(plug) ${e(`${p.hostIp}:${p.host} → ${p.container}/${p.protocol}`)}  `);
    item.tooltip = tooltipMarkdown(lines.join('\n'), { icons: true });
    if (running)
      item.command = {
        command: 'podvisor.sandbox.openTerminal',
        title: vscode.l10n.t('Open Terminal'),
        arguments: [this],
      };
    return item;
  }
  getChildren(): TreeNode[] {
    return this.info.ports.map((p) => new PortNode(this, p));
  }
  getParent(): TreeNode {
    return this.parent;
  }
}

class PortNode implements TreeNode {
  readonly id: string;
  constructor(
    private readonly parent: SandboxNode,
    private readonly port: SandboxInfo['ports'][number],
  ) {
    this.id = `${parent.id}:port:${port.container}/${port.protocol}`;
  }
  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(`${this.port.hostIp}:${this.port.host}`);
    item.id = this.id;
    item.description = `→ ${this.port.container}/${this.port.protocol}`;
    item.iconPath = new vscode.ThemeIcon('plug');
    item.contextValue = 'sandbox.port';
    item.command = {
      command: 'vscode.open',
      title: vscode.l10n.t('Open in Browser'),
      arguments: [vscode.Uri.parse(`http://127.0.0.1:${this.port.host}/`)],
    };
    return item;
  }
  getChildren(): TreeNode[] {
    return [];
  }
  getParent(): TreeNode {
    return this.parent;
  }
}

class GroupNode implements TreeNode {
  readonly id = 'sandboxes';
  children: TreeNode[] = [];
  description = '';
  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(vscode.l10n.t('Sandboxes'), vscode.TreeItemCollapsibleState.Expanded);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('shield');
    item.description = this.description;
    item.contextValue = 'sandboxes';
    return item;
  }
  getChildren(): TreeNode[] {
    return this.children;
  }
  getParent(): undefined {
    return undefined;
  }
}

export interface SandboxesSectionDeps {
  readonly log: Logger;
  readonly settings: () => Settings;
  /** The extension's global storage folder (microVM sandboxes live there unless podvisor.vm.home is set). */
  readonly storageDir?: string;
  /** The engine comes from the Containers section: one client and one event stream per engine. */
  readonly containers: ContainersSection;
  readonly load?: () => SandboxModule;
}

/**
 * The Sandboxes group of the Workloads view: a thin adapter over the backend's SandboxStore.
 * Nodes are kept per sandbox name; a change fires only the nodes of the sandboxes that changed
 * (the group itself only when sandboxes come or go, or the running count changes). No timer.
 */
export class SandboxesSection implements WorkloadSection {
  readonly id = 'sandboxes';
  readonly order = 5;
  private readonly group = new GroupNode();
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChange = this.changed.event;
  private readonly nodes = new Map<string, SandboxNode>();
  private current?: { key: string; facade: Sandboxes; store: SandboxStore; unsubscribe: () => void };
  private readonly subs: vscode.Disposable[] = [];
  private anySandbox?: boolean;
  /** Changes applied to the tree so far (tests: nothing happening fires nothing). */
  fired = 0;

  constructor(private readonly deps: SandboxesSectionDeps) {
    // The engine store is replaced when the engine changes (settings, docker context): follow it.
    this.subs.push(deps.containers.onDidUpdate(() => this.current?.store.bindEngine(deps.containers.store)));
  }

  module(): SandboxModule {
    return (this.deps.load ?? (() => loadLazy<SandboxModule>('sandbox')))();
  }

  /** Folder of microVM sandboxes and their cache: `podvisor.vm.home`/.sandboxes, else global storage. */
  private storage(): { home: string; cacheDir: string } {
    const vmHome = this.deps.settings().vm.home;
    // Hidden inside the VM home: the VMs view lists its folders, and these are not its VMs.
    const base = vmHome
      ? path.join(vmHome, '.sandboxes')
      : path.join(this.deps.storageDir ?? path.join(os.homedir(), '.cache', 'podvisor'), 'sandboxes');
    return { home: path.join(base, 'vms'), cacheDir: path.join(base, 'cache') };
  }

  /** The backend façade (and its store), made again when where microVMs live or boot from changed. */
  backend(): Sandboxes {
    return this.ensure().facade;
  }

  /** The sandboxes' cache folder (images turned into disks, kernels). */
  cacheDir(): string {
    return this.storage().cacheDir;
  }

  private ensure(): NonNullable<SandboxesSection['current']> {
    const st = this.storage();
    const kernel = this.deps.settings().sandbox.kernel;
    const key = `${st.home}|${kernel}`;
    if (this.current?.key === key) return this.current;
    this.current?.unsubscribe();
    this.current?.store.dispose();
    this.current?.facade.dispose();
    const m = this.module();
    let store: SandboxStore | undefined;
    const facade = new m.Sandboxes({
      log: this.deps.log,
      client: () => this.deps.containers.client(),
      microvm: { ...st, kernel },
      containers: { cacheDir: st.cacheDir },
      records: () => (store?.status.kind === 'ready' ? store.items : undefined),
    });
    store = new m.SandboxStore(facade.microvms, this.deps.log);
    const s = store;
    const unsubscribe = s.onChange((c) => this.apply(c));
    this.current = { key, facade, store: s, unsubscribe };
    this.nodes.clear();
    void this.deps.containers.ensureStarted().then(() => s.bindEngine(this.deps.containers.store));
    return this.current;
  }

  roots(): TreeNode[] {
    this.ensure();
    this.render();
    return [this.group];
  }

  /** Every sandbox as the store has it now. */
  get sandboxes(): readonly SandboxInfo[] {
    return [...(this.current?.store.items.values() ?? [])];
  }

  /** The live store (tests: an idle store delivers no change). */
  get store(): SandboxStore | undefined {
    return this.current?.store;
  }

  setVisible(visible: boolean): void {
    // The engine store (Containers section) runs the safety poll while visible; this one has no timer.
    this.current?.store.setVisible(visible);
  }

  async refresh(): Promise<void> {
    const c = this.ensure();
    await this.deps.containers.ensureStarted();
    c.store.bindEngine(this.deps.containers.store);
    await c.store.refresh();
  }

  /** Which text the group shows: when it changes, the group is fired (its children are rebuilt). */
  private groupText(): string {
    const st = this.current?.store;
    const items = [...(st?.items.values() ?? [])];
    const err = st?.status.kind === 'unreachable' ? st.status.reason : '';
    return `${items.filter((i) => i.state === 'running').length}|${err}|${[...(st?.items.keys() ?? [])].sort().join(',')}`;
  }
  private shownText = '';

  private apply(c: Change): void {
    const st = this.current?.store;
    if (!st) return;
    this.fired++;
    const text = this.groupText();
    if (c.ids === 'all' || c.status || text !== this.shownText) {
      this.render();
      this.changed.fire(this.group);
      return;
    }
    for (const id of c.ids) {
      const node = this.nodes.get(id);
      const info = st.items.get(id);
      if (node && info) {
        node.info = info;
        this.changed.fire(node);
      }
    }
  }

  private render(): void {
    const g = this.group;
    const st = this.current?.store;
    const infos = [...(st?.items.values() ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    this.shownText = this.groupText();
    const running = infos.filter((i) => i.state === 'running').length;
    g.description = infos.length ? vscode.l10n.t('{0} running', running) : '';
    const children: TreeNode[] = [];
    if (st?.status.kind === 'unreachable') {
      const why = st.status.reason;
      children.push(
        new MessageNode(
          'sandboxes:error',
          vscode.l10n.t('Cannot list sandboxes: {0}', why),
          { icon: 'warning', tooltip: why },
          g,
        ),
      );
    }
    const live = new Set<string>();
    for (const i of infos) {
      live.add(i.name);
      let n = this.nodes.get(i.name);
      if (!n) this.nodes.set(i.name, (n = new SandboxNode(i, g)));
      n.info = i;
      children.push(n);
    }
    for (const k of [...this.nodes.keys()]) if (!live.has(k)) this.nodes.delete(k);
    if (!infos.length && st?.status.kind !== 'unreachable')
      children.push(
        new MessageNode(
          'sandboxes:none',
          vscode.l10n.t('Launch Sandbox…'),
          {
            icon: 'add',
            command: { command: 'podvisor.sandbox.launch', title: vscode.l10n.t('Launch Sandbox…') },
          },
          g,
        ),
      );
    g.children = children;
    const any = infos.length > 0;
    if (any !== this.anySandbox) {
      this.anySandbox = any;
      void vscode.commands.executeCommand('setContext', 'podvisor.sandbox.any', any);
    }
  }

  dispose(): void {
    for (const d of this.subs.splice(0)) d.dispose();
    this.current?.unsubscribe();
    this.current?.store.dispose();
    this.current?.facade.dispose();
    this.current = undefined;
    this.changed.dispose();
  }
}

export { SandboxNode };
