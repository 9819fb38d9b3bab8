import * as vscode from 'vscode';
import type { ContainerInfo, ImageInfo } from '../../backends/docker/model';
import type { NetworksRootNode, VolumesRootNode } from './resourceNodes';
import type { DockerClient } from '../../backends/docker/client';
import type { ItemView } from '../../backends/docker/present';
import { tooltipMarkdown } from '../markdown';
import type { TreeNode } from '../node';

/** The engine a node belongs to, as commands need it (several engines can be shown at once). */
export interface EngineRef {
  /** Stable key: `default` for the discovered engine, else from podvisor.docker.endpoints. */
  readonly key: string;
  readonly label: string;
  /** Prefix of this engine's node ids (`docker` for the discovered one, `docker@<key>` else). */
  readonly prefix: string;
  /** DOCKER_HOST of the engine (empty while not discovered). */
  readonly host: string;
  client(): Promise<DockerClient>;
}

/** What nodes need from their engine's view (kept as an interface so nodes do not import it). */
export interface SectionModel extends EngineRef {
  readonly presentContainer: (c: ContainerInfo, now: number) => ItemView;
  readonly presentImage: (i: ImageInfo, now: number) => ItemView;
  containerChildren(parent: ContainersRootNode | ContainerGroupNode): TreeNode[];
  imageChildren(parent: ImagesRootNode): TreeNode[];
  volumeChildren(parent: VolumesRootNode): Promise<TreeNode[]>;
  networkChildren(parent: NetworksRootNode): Promise<TreeNode[]>;
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
    this.id = `${model.prefix}:container:${info.id}`;
  }
  get engine(): EngineRef {
    return this.model;
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
    this.id = `${model.prefix}:image:${info.id}`;
  }
  get engine(): EngineRef {
    return this.model;
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
    this.id = `${model.prefix}:group:${key}`;
  }
  get engine(): EngineRef {
    return this.model;
  }
  /** The Compose project this group is, when grouped by project. */
  get composeProject(): string | undefined {
    return this.key.startsWith('compose:') && this.key !== 'compose:'
      ? this.key.slice('compose:'.length)
      : undefined;
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
  readonly id: string;
  description = '';
  tooltip = '';
  constructor(
    private readonly model: SectionModel,
    private readonly parent?: TreeNode,
  ) {
    this.id = `${model.prefix}:containers`;
  }
  get engine(): EngineRef {
    return this.model;
  }
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
    return this.parent;
  }
}

export class ImagesRootNode implements TreeNode {
  readonly id: string;
  description = '';
  constructor(
    private readonly model: SectionModel,
    private readonly parent?: TreeNode,
  ) {
    this.id = `${model.prefix}:images`;
  }
  get engine(): EngineRef {
    return this.model;
  }
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
    return this.parent;
  }
}
