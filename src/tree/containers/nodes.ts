import * as vscode from 'vscode';
import type { ContainerInfo, ImageInfo } from '../../backends/docker/model';
import type { ItemView } from '../../backends/docker/present';
import { tooltipMarkdown } from '../markdown';
import type { TreeNode } from '../node';

/** What nodes need from the section (kept as an interface so nodes do not import the section). */
export interface SectionModel {
  readonly presentContainer: (c: ContainerInfo, now: number) => ItemView;
  readonly presentImage: (i: ImageInfo, now: number) => ItemView;
  containerChildren(parent: ContainersRootNode | ContainerGroupNode): TreeNode[];
  imageChildren(parent: ImagesRootNode): TreeNode[];
}

function toItem(v: ItemView, collapsible = vscode.TreeItemCollapsibleState.None): vscode.TreeItem {
  const item = new vscode.TreeItem(v.label, collapsible);
  item.description = v.description;
  item.iconPath = new vscode.ThemeIcon(v.icon, v.color ? new vscode.ThemeColor(v.color) : undefined);
  item.contextValue = v.contextValue;
  item.tooltip = tooltipMarkdown(v.tooltip);
  return item;
}

export class ContainerNode implements TreeNode {
  readonly id: string;
  constructor(
    public info: ContainerInfo,
    public parent: TreeNode,
    private readonly model: SectionModel,
  ) {
    this.id = `docker:container:${info.id}`;
  }
  getTreeItem(): vscode.TreeItem {
    const item = toItem(this.model.presentContainer(this.info, Date.now()));
    item.id = this.id;
    return item;
  }
  getChildren(): TreeNode[] {
    return [];
  }
  getParent(): TreeNode | undefined {
    return this.parent;
  }
}

export class ImageNode implements TreeNode {
  readonly id: string;
  constructor(
    public info: ImageInfo,
    private readonly parent: TreeNode,
    private readonly model: SectionModel,
  ) {
    this.id = `docker:image:${info.id}`;
  }
  /** For commands of other features that take "an image" (e.g. podvisor.sandbox.launchFromImage reads `.image.repoTags`). */
  get image(): ImageInfo {
    return this.info;
  }
  getTreeItem(): vscode.TreeItem {
    const item = toItem(this.model.presentImage(this.info, Date.now()));
    item.id = this.id;
    return item;
  }
  getChildren(): TreeNode[] {
    return [];
  }
  getParent(): TreeNode | undefined {
    return this.parent;
  }
}

export class ContainerGroupNode implements TreeNode {
  readonly id: string;
  count = 0;
  constructor(
    readonly key: string,
    public label: string,
    private readonly parent: TreeNode,
    private readonly model: SectionModel,
  ) {
    this.id = `docker:group:${key}`;
  }
  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = this.id;
    item.description = String(this.count);
    item.contextValue =
      this.key.startsWith('compose:') && this.key !== 'compose:'
        ? 'containerGroup.compose'
        : 'containerGroup';
    item.iconPath = new vscode.ThemeIcon(
      this.key.startsWith('compose:') ? 'layers' : this.key.startsWith('runtime:') ? 'shield' : 'symbol-enum',
    );
    return item;
  }
  getChildren(): TreeNode[] {
    return this.model.containerChildren(this);
  }
  getParent(): TreeNode | undefined {
    return this.parent;
  }
}

export class ContainersRootNode implements TreeNode {
  readonly id = 'docker:containers';
  description = '';
  tooltip = '';
  constructor(private readonly model: SectionModel) {}
  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(vscode.l10n.t('Containers'), vscode.TreeItemCollapsibleState.Expanded);
    item.id = this.id;
    item.description = this.description;
    item.tooltip = this.tooltip;
    item.contextValue = 'docker.containers';
    item.iconPath = new vscode.ThemeIcon('package');
    return item;
  }
  getChildren(): TreeNode[] {
    return this.model.containerChildren(this);
  }
  getParent(): TreeNode | undefined {
    return undefined;
  }
}

export class ImagesRootNode implements TreeNode {
  readonly id = 'docker:images';
  description = '';
  constructor(private readonly model: SectionModel) {}
  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(vscode.l10n.t('Images'), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.description = this.description;
    item.contextValue = 'docker.images';
    item.iconPath = new vscode.ThemeIcon('file-binary');
    return item;
  }
  getChildren(): TreeNode[] {
    return this.model.imageChildren(this);
  }
  getParent(): TreeNode | undefined {
    return undefined;
  }
}
