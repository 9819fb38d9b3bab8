import * as vscode from 'vscode';
import type { Domain } from '../../backends/libvirt';
import { escapeMarkdown, markdownCode, tooltipMarkdown } from '../markdown';
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

function formatMemory(kib: number | undefined): string | undefined {
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
    let md = `**${escapeMarkdown(d.name)}** — ${escapeMarkdown(stateLabel(d))}\n\n`;
    md += `${escapeMarkdown(vscode.l10n.t('Connection'))}: ${markdownCode(d.uri)}\n\n`;
    if (d.vcpus !== undefined) md += `vCPUs: ${d.vcpus}\n\n`;
    if (mem)
      md += `${escapeMarkdown(vscode.l10n.t('Memory'))}: ${escapeMarkdown(mem)}${d.maxMemoryKiB !== undefined && d.maxMemoryKiB !== d.memoryKiB ? ` / ${escapeMarkdown(formatMemory(d.maxMemoryKiB) ?? '')}` : ''}\n\n`;
    item.tooltip = tooltipMarkdown(md);
    return item;
  }

  getChildren(): TreeNode[] {
    return [];
  }

  getParent(): TreeNode {
    return this.parent;
  }
}
