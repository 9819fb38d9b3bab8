import * as vscode from 'vscode';
import type { NetworkInfo, VolumeInfo } from '../../backends/docker/volumes';
import { escapeMarkdown, tooltipMarkdown } from '../markdown';
import type { TreeNode } from '../node';
import type { EngineRef, SectionModel } from './nodes';

/** Volumes of one engine: listed when expanded (the engine is asked then, not on every event). */
export class VolumesRootNode implements TreeNode {
  readonly id: string;
  description = '';
  constructor(
    private readonly model: SectionModel,
    private readonly parent?: TreeNode,
  ) {
    this.id = `${model.prefix}:volumes`;
  }
  get engine(): EngineRef {
    return this.model;
  }
  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(vscode.l10n.t('Volumes'), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.description = this.description;
    item.contextValue = 'docker.volumes';
    item.iconPath = new vscode.ThemeIcon('database');
    return item;
  }
  getChildren(): Promise<TreeNode[]> {
    return this.model.volumeChildren(this);
  }
  getParent(): TreeNode | undefined {
    return this.parent;
  }
}

export class NetworksRootNode implements TreeNode {
  readonly id: string;
  description = '';
  constructor(
    private readonly model: SectionModel,
    private readonly parent?: TreeNode,
  ) {
    this.id = `${model.prefix}:networks`;
  }
  get engine(): EngineRef {
    return this.model;
  }
  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(vscode.l10n.t('Networks'), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.description = this.description;
    item.contextValue = 'docker.networks';
    item.iconPath = new vscode.ThemeIcon('type-hierarchy');
    return item;
  }
  getChildren(): Promise<TreeNode[]> {
    return this.model.networkChildren(this);
  }
  getParent(): TreeNode | undefined {
    return this.parent;
  }
}

function users(list: readonly string[]): string {
  if (!list.length) return vscode.l10n.t('unused');
  return list.length <= 3
    ? list.join(', ')
    : vscode.l10n.t('{0} and {1} more', list.slice(0, 3).join(', '), list.length - 3);
}

export class VolumeNode implements TreeNode {
  readonly id: string;
  constructor(
    readonly info: VolumeInfo,
    private readonly parent: TreeNode,
    private readonly model: SectionModel,
  ) {
    this.id = `${model.prefix}:volume:${info.name}`;
  }
  get engine(): EngineRef {
    return this.model;
  }
  getTreeItem(): vscode.TreeItem {
    const v = this.info;
    const item = new vscode.TreeItem(v.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = `${v.driver} · ${users(v.usedBy)}`;
    item.contextValue = v.usedBy.length ? 'volume.used' : 'volume.unused';
    item.iconPath = new vscode.ThemeIcon(
      'database',
      v.usedBy.length ? undefined : new vscode.ThemeColor('disabledForeground'),
    );
    item.tooltip = tooltipMarkdown(
      [
        `**${escapeMarkdown(v.name)}**`,
        '',
        `- ${escapeMarkdown(vscode.l10n.t('Driver'))}: ${escapeMarkdown(v.driver)}`,
        `- ${escapeMarkdown(vscode.l10n.t('Mount point'))}: ${escapeMarkdown(v.mountpoint)}`,
        `- ${escapeMarkdown(vscode.l10n.t('Used by'))}: ${escapeMarkdown(v.usedBy.join(', ') || '—')}`,
      ].join('\n'),
    );
    return item;
  }
  getChildren(): TreeNode[] {
    return [];
  }
  getParent(): TreeNode | undefined {
    return this.parent;
  }
}

export class NetworkNode implements TreeNode {
  readonly id: string;
  constructor(
    readonly info: NetworkInfo,
    private readonly parent: TreeNode,
    private readonly model: SectionModel,
  ) {
    this.id = `${model.prefix}:network:${info.id || info.name}`;
  }
  get engine(): EngineRef {
    return this.model;
  }
  getTreeItem(): vscode.TreeItem {
    const n = this.info;
    const item = new vscode.TreeItem(n.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = [n.driver, n.subnets.join(', '), users(n.usedBy)].filter(Boolean).join(' · ');
    item.contextValue = n.builtIn ? 'network.builtIn' : n.usedBy.length ? 'network.used' : 'network.unused';
    item.iconPath = new vscode.ThemeIcon(
      'type-hierarchy',
      n.builtIn ? new vscode.ThemeColor('disabledForeground') : undefined,
    );
    item.tooltip = tooltipMarkdown(
      [
        `**${escapeMarkdown(n.name)}**`,
        '',
        `- ${escapeMarkdown(vscode.l10n.t('Driver'))}: ${escapeMarkdown(n.driver)}${n.internal ? ' (internal)' : ''}`,
        `- ${escapeMarkdown(vscode.l10n.t('Subnets'))}: ${escapeMarkdown(n.subnets.join(', ') || '—')}`,
        `- ${escapeMarkdown(vscode.l10n.t('Used by'))}: ${escapeMarkdown(n.usedBy.join(', ') || '—')}`,
      ].join('\n'),
    );
    return item;
  }
  getChildren(): TreeNode[] {
    return [];
  }
  getParent(): TreeNode | undefined {
    return this.parent;
  }
}

/** One engine of several: its name, its address and state, and the same tree below. */
export class EngineGroupNode implements TreeNode {
  readonly id: string;
  description = '';
  state: 'connecting' | 'ready' | 'unreachable' = 'connecting';
  tooltip = '';
  constructor(
    readonly engine: EngineRef,
    private readonly children: () => TreeNode[],
  ) {
    this.id = `docker:engine:${engine.key}`;
  }
  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.engine.label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = this.id;
    item.description = this.description;
    item.tooltip = this.tooltip;
    item.contextValue = `dockerEngine.${this.state}`;
    item.iconPath = new vscode.ThemeIcon(
      this.state === 'unreachable'
        ? 'debug-disconnect'
        : this.state === 'ready'
          ? 'server-environment'
          : 'loading~spin',
      this.state === 'unreachable' ? new vscode.ThemeColor('errorForeground') : undefined,
    );
    return item;
  }
  getChildren(): TreeNode[] {
    return this.children();
  }
  getParent(): TreeNode | undefined {
    return undefined;
  }
}
