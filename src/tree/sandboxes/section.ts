import * as vscode from 'vscode';
import { messageOf } from '../../common/errors';
import type { Logger } from '../../common/log';
import type { TreeNode, WorkloadSection } from '../node';
import type { SandboxManager, SandboxModule } from './manager';

type SandboxInfo = Awaited<ReturnType<SandboxManager['list']>>[number];

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
const POLL_MS = 5000;

class SandboxNode implements TreeNode {
  readonly id: string;
  constructor(
    readonly info: SandboxInfo,
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
    item.description = [BADGE[i.level] ?? i.level, i.source.label, ports].filter(Boolean).join(' · ');
    const running = i.state === 'running';
    item.iconPath = new vscode.ThemeIcon(
      running ? 'vm-running' : 'vm-outline',
      running ? new vscode.ThemeColor('testing.iconPassed') : undefined,
    );
    item.contextValue = `sandbox.${running ? 'running' : 'stopped'}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = false;
    md.appendMarkdown(`**${i.name}** — ${i.state}\n\n`);
    md.appendMarkdown(
      `$(shield) ${BADGE[i.level] ?? i.level}  \n$(${SOURCE_ICON[i.source.kind] ?? 'file'}) ${i.source.kind}: ${i.source.label}${i.source.file ? ` (${i.source.file})` : ''}  \n`,
    );
    if (i.workspace) md.appendMarkdown(`$(folder) ${i.workspace} → ${i.workspaceTarget ?? ''}  \n`);
    for (const p of i.ports)
      md.appendMarkdown(`$(plug) ${p.hostIp}:${p.host} → ${p.container}/${p.protocol}  \n`);
    item.tooltip = md;
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
  error?: string;
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

class InfoNode implements TreeNode {
  constructor(
    readonly id: string,
    private readonly label: string,
    private readonly parent: TreeNode,
    private readonly opts: { icon?: string; command?: vscode.Command; tooltip?: string } = {},
  ) {}
  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label);
    item.id = this.id;
    if (this.opts.icon) item.iconPath = new vscode.ThemeIcon(this.opts.icon);
    item.command = this.opts.command;
    item.tooltip = this.opts.tooltip;
    return item;
  }
  getChildren(): TreeNode[] {
    return [];
  }
  getParent(): TreeNode {
    return this.parent;
  }
}

/**
 * The Sandboxes group of the Workloads view: every sandbox found on the engine (by label) and
 * among Podvisor's microVMs, with its isolation badge, source and ports. Polls while visible.
 */
export class SandboxesSection implements WorkloadSection {
  readonly id = 'sandboxes';
  readonly order = 5;
  private readonly group = new GroupNode();
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChange = this.changed.event;
  private timer?: NodeJS.Timeout;
  private infos: SandboxInfo[] = [];
  private loaded = false;

  constructor(
    readonly manager: SandboxManager,
    readonly log: Logger,
  ) {}

  roots(): TreeNode[] {
    if (!this.loaded) void this.refresh();
    return [this.group];
  }

  get sandboxes(): readonly SandboxInfo[] {
    return this.infos;
  }

  setVisible(visible: boolean): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (visible) this.timer = setInterval(() => void this.refresh(), POLL_MS);
  }

  async refresh(): Promise<void> {
    this.loaded = true;
    try {
      this.infos = await this.manager.list();
      this.group.error = undefined;
    } catch (e) {
      this.infos = [];
      this.group.error = messageOf(e);
    }
    this.render();
  }

  private render(): void {
    const g = this.group;
    g.description = this.infos.length
      ? vscode.l10n.t('{0} running', this.infos.filter((i) => i.state === 'running').length)
      : '';
    if (g.error) {
      g.children = [
        new InfoNode('sandboxes:error', vscode.l10n.t('Cannot list sandboxes: {0}', g.error), g, {
          icon: 'warning',
          tooltip: g.error,
        }),
      ];
    } else if (!this.infos.length) {
      g.children = [
        new InfoNode('sandboxes:none', vscode.l10n.t('Launch Sandbox…'), g, {
          icon: 'add',
          command: { command: 'podvisor.sandbox.launch', title: vscode.l10n.t('Launch Sandbox…') },
        }),
      ];
    } else {
      g.children = this.infos.map((i) => new SandboxNode(i, g));
    }
    void vscode.commands.executeCommand('setContext', 'podvisor.sandbox.any', this.infos.length > 0);
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.setVisible(false);
    this.changed.dispose();
  }
}

export type { SandboxModule };
export { SandboxNode };
