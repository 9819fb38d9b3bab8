import * as vscode from 'vscode';
import type { Domain } from '../../backends/libvirt';
import type { TreeNode } from '../node';

/** The state part of `contextValue`: what menus key on (`domain.running`, `domain.shutoff`, `domain.paused`). */
export function contextState(d: Domain): 'running' | 'paused' | 'shutoff' | 'unknown' {
  switch (d.state) {
    case 'running':
    case 'shutdown': // still running while the guest shuts down
      return 'running';
    case 'paused':
    case 'pmsuspended':
      return 'paused';
    case 'shutoff':
    case 'crashed':
      return 'shutoff';
    default:
      return 'unknown';
  }
}

function stateLabel(d: Domain): string {
  switch (d.state) {
    case 'running':
      return vscode.l10n.t('running');
    case 'paused':
      return vscode.l10n.t('paused');
    case 'shutoff':
      return vscode.l10n.t('shut off');
    case 'shutdown':
      return vscode.l10n.t('shutting down');
    case 'crashed':
      return vscode.l10n.t('crashed');
    case 'pmsuspended':
      return vscode.l10n.t('suspended (guest)');
    default:
      return vscode.l10n.t('unknown');
  }
}

function icon(d: Domain): vscode.ThemeIcon {
  switch (d.state) {
    case 'running':
      return new vscode.ThemeIcon('vm-running', new vscode.ThemeColor('charts.green'));
    case 'shutdown':
      return new vscode.ThemeIcon('loading~spin');
    case 'paused':
    case 'pmsuspended':
      return new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('charts.yellow'));
    case 'crashed':
      return new vscode.ThemeIcon('vm', new vscode.ThemeColor('charts.red'));
    default:
      return new vscode.ThemeIcon('vm-outline');
  }
}

export function formatMemory(kib: number | undefined): string | undefined {
  if (kib === undefined) return undefined;
  const mib = kib / 1024;
  return mib >= 1024 ? `${(mib / 1024).toFixed(mib % 1024 === 0 ? 0 : 1)} GiB` : `${Math.round(mib)} MiB`;
}

/**
 * A libvirt domain. The object stays the same across refreshes (its `domain` is replaced), so
 * firing it refreshes just this row.
 */
export class DomainNode implements TreeNode {
  readonly kind = 'libvirt.domain';
  readonly id: string;
  constructor(
    public domain: Domain,
    private readonly parent: TreeNode,
  ) {
    this.id = `libvirt:${domain.uri}:domain:${domain.name}`;
  }

  get uri(): string {
    return this.domain.uri;
  }

  get name(): string {
    return this.domain.name;
  }

  getTreeItem(): vscode.TreeItem {
    const d = this.domain;
    const item = new vscode.TreeItem(d.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const parts = [stateLabel(d)];
    if (d.vcpus !== undefined) parts.push(vscode.l10n.t('{0} vCPU', d.vcpus));
    const mem = formatMemory(d.memoryKiB);
    if (mem) parts.push(mem);
    item.description = parts.join(' · ');
    item.iconPath = icon(d);
    item.contextValue = `domain.${contextState(d)}`;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${d.name.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, '\\$&')}** — ${stateLabel(d)}\n\n`);
    md.appendMarkdown(`${vscode.l10n.t('Connection')}: \`${d.uri}\`\n\n`);
    if (d.vcpus !== undefined) md.appendMarkdown(`vCPUs: ${d.vcpus}\n\n`);
    if (mem)
      md.appendMarkdown(
        `${vscode.l10n.t('Memory')}: ${mem}${d.maxMemoryKiB !== undefined && d.maxMemoryKiB !== d.memoryKiB ? ` / ${formatMemory(d.maxMemoryKiB)}` : ''}\n\n`,
      );
    item.tooltip = md;
    return item;
  }

  getChildren(): TreeNode[] {
    return [];
  }

  getParent(): TreeNode {
    return this.parent;
  }
}

/** A message under a group: why it is empty or broken, with the fix as the click action. */
export class MessageNode implements TreeNode {
  readonly kind = 'libvirt.message';
  constructor(
    readonly id: string,
    readonly label: string,
    private readonly parent: TreeNode,
    private readonly opts: { hint?: string; icon?: string; command?: vscode.Command } = {},
  ) {}

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(this.opts.icon ?? 'info');
    if (this.opts.hint) {
      item.description = this.opts.hint;
      item.tooltip = `${this.label}\n\n${this.opts.hint}`;
    }
    item.contextValue = 'libvirt.message';
    if (this.opts.command) item.command = this.opts.command;
    return item;
  }

  getChildren(): TreeNode[] {
    return [];
  }

  getParent(): TreeNode {
    return this.parent;
  }
}
