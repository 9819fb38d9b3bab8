import * as vscode from 'vscode';
import { messageOf } from '../../common/errors';
import type { RegistrySetting } from '../../common/settings/registries';
import type { RegistryClient } from '../../backends/registry/client';
import { MessageNode } from '../message';
import type { TreeNode, WorkloadSection } from '../node';

export interface RegistriesDeps {
  readonly registries: () => readonly RegistrySetting[];
  readonly client: (r: RegistrySetting) => RegistryClient;
}

/** A registry of podvisor.registries: its repositories are asked for when it is expanded. */
export class RegistryNode implements TreeNode {
  readonly id: string;
  constructor(
    readonly registry: RegistrySetting,
    private readonly section: RegistriesSection,
    private readonly parent: TreeNode,
  ) {
    this.id = `registry:${registry.url}`;
  }
  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.registry.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.description = this.registry.url;
    item.contextValue = 'registry';
    item.iconPath = new vscode.ThemeIcon('cloud');
    return item;
  }
  async getChildren(): Promise<TreeNode[]> {
    try {
      const repos = await this.section.client(this.registry).repositories();
      if (!repos.length)
        return [new MessageNode(`${this.id}:empty`, vscode.l10n.t('No repositories'), {}, this)];
      return repos.map((r) => new RepositoryNode(this.registry, r, this.section, this));
    } catch (e) {
      const n = new MessageNode(
        `${this.id}:error`,
        messageOf(e),
        { icon: 'error', color: 'errorForeground' },
        this,
      );
      n.children = [
        new MessageNode(
          `${this.id}:login`,
          vscode.l10n.t('Log In…'),
          {
            icon: 'key',
            command: {
              command: 'podvisor.registry.login',
              title: vscode.l10n.t('Log In…'),
              arguments: [this.registry.url],
            },
          },
          n,
        ),
      ];
      return [n];
    }
  }
  getParent(): TreeNode | undefined {
    return this.parent;
  }
}

export class RepositoryNode implements TreeNode {
  readonly id: string;
  constructor(
    readonly registry: RegistrySetting,
    readonly repository: string,
    private readonly section: RegistriesSection,
    private readonly parent: TreeNode,
  ) {
    this.id = `registry:${registry.url}/${repository}`;
  }
  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.repository, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.contextValue = 'registryRepository';
    item.iconPath = new vscode.ThemeIcon('repo');
    return item;
  }
  async getChildren(): Promise<TreeNode[]> {
    try {
      const tags = await this.section.client(this.registry).tags(this.repository);
      if (!tags.length) return [new MessageNode(`${this.id}:empty`, vscode.l10n.t('No tags'), {}, this)];
      return tags.map((t) => new TagNode(this.registry, this.repository, t, this));
    } catch (e) {
      return [
        new MessageNode(`${this.id}:error`, messageOf(e), { icon: 'error', color: 'errorForeground' }, this),
      ];
    }
  }
  getParent(): TreeNode | undefined {
    return this.parent;
  }
}

export class TagNode implements TreeNode {
  readonly id: string;
  constructor(
    readonly registry: RegistrySetting,
    readonly repository: string,
    readonly tag: string,
    private readonly parent: TreeNode,
  ) {
    this.id = `registry:${registry.url}/${repository}:${tag}`;
  }
  /** `host:port/repo:tag`, as an engine pulls it. */
  get reference(): string {
    return `${new URL(this.registry.url).host}/${this.repository}:${this.tag}`;
  }
  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.tag, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = this.reference;
    item.contextValue = 'registryTag';
    item.iconPath = new vscode.ThemeIcon('tag');
    return item;
  }
  getChildren(): TreeNode[] {
    return [];
  }
  getParent(): TreeNode | undefined {
    return this.parent;
  }
}

class RegistriesRootNode implements TreeNode {
  readonly id = 'registries';
  constructor(private readonly section: RegistriesSection) {}
  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(vscode.l10n.t('Registries'), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.contextValue = 'registries';
    item.iconPath = new vscode.ThemeIcon('cloud');
    item.description = String(this.section.registries().length);
    return item;
  }
  getChildren(): TreeNode[] {
    const list = this.section.registries();
    if (!list.length)
      return [
        new MessageNode(
          'registries:add',
          vscode.l10n.t('Add Registry…'),
          {
            icon: 'add',
            command: { command: 'podvisor.registry.add', title: vscode.l10n.t('Add Registry…') },
          },
          this,
        ),
      ];
    return list.map((r) => new RegistryNode(r, this.section, this));
  }
  getParent(): TreeNode | undefined {
    return undefined;
  }
}

/**
 * The Registries group: any registry API v2 of podvisor.registries, browsed on demand
 * (repositories, then tags). No timers: a registry has no event stream; refresh is manual or
 * follows our own actions (push, delete, log in).
 */
export class RegistriesSection implements WorkloadSection {
  readonly id = 'registries';
  readonly order = 15;
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChange = this.changed.event;
  private readonly root = new RegistriesRootNode(this);
  private readonly clients = new Map<string, RegistryClient>();

  constructor(private readonly deps: RegistriesDeps) {}

  registries(): readonly RegistrySetting[] {
    return this.deps.registries();
  }

  /** One client per registry (it keeps its Bearer tokens); new after credentials changed. */
  client(r: RegistrySetting): RegistryClient {
    let c = this.clients.get(r.url);
    if (!c) this.clients.set(r.url, (c = this.deps.client(r)));
    return c;
  }

  roots(): TreeNode[] {
    return [this.root];
  }

  /** Re-reads a registry (after a push, a delete, a log-in), or all of them. */
  refresh(url?: string): Promise<void> {
    if (url) this.clients.delete(url);
    else this.clients.clear();
    this.changed.fire(this.root);
    return Promise.resolve();
  }

  setVisible(): void {
    /* nothing runs in the background */
  }

  dispose(): void {
    this.changed.dispose();
  }
}
