import * as fs from 'fs';
import * as os from 'os';
import * as vscode from 'vscode';
import type * as DockerBackend from '../../backends/docker';
import type { ContainerInfo, ImageInfo } from '../../backends/docker/model';
import type { Endpoint } from '../../backends/docker/discovery';
import type { ContainerStore, StoreChange } from '../../backends/docker/store';
import type { DockerClient } from '../../backends/docker/client';
import { messageOf } from '../../common/errors';
import type { Logger } from '../../common/log';
import type { DockerSettings } from '../../common/settings';
import { escapeMarkdown, tooltipMarkdown } from '../markdown';
import { rowChanges } from '../changes';
import { MessageNode } from '../message';
import type { TreeNode } from '../node';
import {
  ContainerGroupNode,
  ContainerNode,
  ContainersRootNode,
  ImageNode,
  ImagesRootNode,
  type SectionModel,
} from './nodes';
import { NetworkNode, NetworksRootNode, VolumeNode, VolumesRootNode } from './resourceNodes';

export type DockerModule = typeof DockerBackend;

export interface ContainersSectionDeps {
  readonly log: Logger;
  readonly settings: () => DockerSettings;
  readonly load: () => DockerModule;
  /** Environment and home used for discovery (the extension host's by default). */
  readonly env?: NodeJS.ProcessEnv;
  readonly home?: string;
}

/** Which engine a view shows: the discovered one, or a fixed endpoint from podvisor.docker.endpoints. */
export interface EngineSpec {
  readonly key: string;
  readonly label: string;
  /** Fixed address; undefined = discover like the docker CLI (settings, contexts, sockets). */
  readonly endpoint?: Endpoint;
  /** The engine runs inside this Podvisor VM (an engine VM): its containers' badge says so. */
  readonly hostVm?: string;
}

export interface EngineViewDeps extends ContainersSectionDeps {
  /** A node of this engine changed (undefined: all of this engine's part of the tree). */
  readonly fire: (node: TreeNode | undefined) => void;
  /** A store change was applied (tests and the benchmark listen). */
  readonly updated: () => void;
  /** This engine's roots hang under a group node (several engines shown). */
  readonly parent?: (view: EngineView) => TreeNode | undefined;
}

/**
 * One engine's part of the Workloads view (containers, images, volumes, networks): a thin
 * adapter over the backend's ContainerStore. Nodes are kept per container id so a change fires
 * only for the node that changed; a change that moves a container between groups refreshes its
 * root. Several engines are several of these, each with its own store, events and state.
 */
export class EngineView implements SectionModel {
  readonly key: string;
  readonly label: string;
  readonly prefix: string;
  private mod?: DockerModule;
  private _store?: ContainerStore;
  private _endpoint?: Endpoint;
  private discoveryError?: string;
  private unsubscribe?: () => void;
  private visible = false;
  private readonly containersRoot: ContainersRootNode;
  private readonly imagesRoot: ImagesRootNode;
  private readonly volumesRoot: VolumesRootNode;
  private readonly networksRoot: NetworksRootNode;
  private readonly containerNodes = new Map<string, ContainerNode>();
  private readonly groupNodes = new Map<string, ContainerGroupNode>();
  private imageNodes = new Map<string, ImageNode>();
  private starting?: Promise<void>;
  private configWatcher?: fs.FSWatcher;

  constructor(
    private readonly spec: EngineSpec,
    private readonly deps: EngineViewDeps,
  ) {
    this.key = spec.key;
    this.label = spec.label;
    this.prefix = spec.key === 'default' ? 'docker' : `docker@${spec.key}`;
    const parent = deps.parent?.(this);
    this.containersRoot = new ContainersRootNode(this, parent);
    this.imagesRoot = new ImagesRootNode(this, parent);
    this.volumesRoot = new VolumesRootNode(this, parent);
    this.networksRoot = new NetworksRootNode(this, parent);
  }

  get host(): string {
    return this._endpoint?.host ?? this.spec.endpoint?.host ?? '';
  }

  get discoveryFailure(): string | undefined {
    return this.discoveryError;
  }

  presentContainer: SectionModel['presentContainer'] = (c, now) =>
    this.module().presentContainer(c, now, this.spec.hostVm);
  presentImage: SectionModel['presentImage'] = (i, now) => this.module().presentImage(i, now);

  module(): DockerModule {
    return (this.mod ??= this.deps.load());
  }

  get store(): ContainerStore | undefined {
    return this._store;
  }

  get endpoint(): Endpoint | undefined {
    return this._endpoint;
  }

  /** The client for commands; starts the section if it was not yet. */
  async client(): Promise<DockerClient> {
    await this.ensureStarted();
    if (!this._store) throw new Error(this.discoveryError ?? 'No Docker engine configured');
    return this._store.client;
  }

  endpointText(): string {
    return this._endpoint ? this.module().describeEndpoint(this._endpoint) : '';
  }

  ensureStarted(): Promise<void> {
    return (this.starting ??= this.start());
  }

  private async start(): Promise<void> {
    const m = this.module();
    const s = this.deps.settings();
    if (this.spec.endpoint) {
      this._endpoint = this.spec.endpoint;
      await this.connect(m, s);
      return;
    }
    try {
      this._endpoint = m.discoverEndpoint({
        settingHost: s.host,
        settingContext: s.context,
        env: this.deps.env ?? process.env,
        home: this.deps.home ?? os.homedir(),
      });
      this.discoveryError = undefined;
    } catch (e) {
      this._endpoint = undefined;
      this.discoveryError = messageOf(e);
      this.deps.log.error(`Docker engine discovery: ${this.discoveryError}`);
      this.fireAll();
      return;
    }
    this.watchDockerConfig();
    if (this.key === 'default')
      void vscode.commands.executeCommand(
        'setContext',
        'podvisor.docker.noEngine',
        !this._endpoint.configured,
      );
    this.deps.log.info(`Docker engine: ${m.describeEndpoint(this._endpoint)}`);
    await this.connect(m, s);
  }

  private async connect(m: DockerModule, s: DockerSettings): Promise<void> {
    if (!this._endpoint) return;
    let client: DockerClient;
    try {
      client = new m.DockerClient(this._endpoint);
    } catch (e) {
      this.discoveryError = messageOf(e);
      this.fireAll();
      return;
    }
    const store = new m.ContainerStore(client, {
      log: this.deps.log,
      safetyPollMs: s.safetyPollSeconds * 1000,
    });
    this._store = store;
    this.unsubscribe = store.onChange((c) => this.apply(c));
    store.setVisible(this.visible);
    this.fireAll();
    await store.start();
  }

  /**
   * `docker context use` in a terminal rewrites config.json: follow it, like the CLI would on
   * its next call. fs.watch is an inotify watch, not a timer.
   */
  private watchDockerConfig(): void {
    if (this.configWatcher) return;
    const input = { env: this.deps.env ?? process.env, home: this.deps.home ?? os.homedir() };
    const dir = this.module().dockerConfigDir(input);
    try {
      this.configWatcher = fs.watch(dir, { persistent: false }, (_event, file) => {
        if (file && file !== 'config.json') return;
        const s = this.deps.settings();
        let next: string | undefined;
        try {
          next = this.module().discoverEndpoint({
            settingHost: s.host,
            settingContext: s.context,
            ...input,
          }).host;
        } catch {
          next = undefined;
        }
        if (next !== this._endpoint?.host) {
          this.deps.log.info(`Docker configuration changed (${dir}): now ${next ?? 'an error'}`);
          void this.restart();
        }
      });
      this.configWatcher.on('error', () => undefined);
    } catch {
      /* no config dir: nothing to follow */
    }
  }

  /** Re-discovers the engine (settings or context changed) and reconnects. */
  async restart(): Promise<void> {
    // Tear down synchronously, before any await: roots() may call ensureStarted() at any moment,
    // and must then start the new store, not one this restart is about to dispose.
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this._store?.dispose();
    this._store = undefined;
    this.containerNodes.clear();
    this.groupNodes.clear();
    this.imageNodes.clear();
    this.starting = undefined;
    await this.ensureStarted();
  }

  /** Settings that change only the presentation: regroup, resort, refilter. */
  rerender(): void {
    this.containerNodes.clear();
    this.groupNodes.clear();
    this.fireAll();
  }

  private fireAll(): void {
    this.deps.fire(undefined);
    this.deps.updated();
  }

  private apply(c: StoreChange): void {
    const store = this._store;
    if (!store) return;
    this.updateRootText();
    if (c.status || c.ids === 'all') {
      if (c.status) this.deps.fire(undefined);
      else {
        this.deps.fire(this.containersRoot);
        if (c.images) this.deps.fire(this.imagesRoot);
      }
      this.deps.updated();
      return;
    }
    const groupBy = this.deps.settings().groupBy;
    const groupKey = (info: ContainerInfo) =>
      groupBy === 'none' ? '' : this.module().groupOf(info, groupBy).key;
    const { rows, structural } = rowChanges(
      c,
      (id) => this.containerNodes.get(id),
      (node, id) => {
        const info = store.containers.get(id);
        if (!info) return 'gone';
        // A container that moves to another group (a compose project, a state) moves rows.
        const stays = groupKey(node.info) === groupKey(info);
        node.info = info;
        return stays;
      },
    );
    if (structural) this.deps.fire(this.containersRoot);
    else for (const n of rows) this.deps.fire(n);
    if (c.images) this.deps.fire(this.imagesRoot);
    this.deps.updated();
  }

  private updateRootText(): void {
    const st = this._store;
    const running = st ? [...st.containers.values()].filter((x) => x.state === 'running').length : 0;
    const engine = st?.status.kind === 'ready' ? st.status.engine : undefined;
    // Only the endpoint in the description: a count here would force a re-render of the whole
    // subtree on every state change, where only one item changed.
    this.containersRoot.description = this._endpoint?.host ?? '';
    this.containersRoot.tooltip = `${this.endpointText()}\n${running}/${st?.containers.size ?? 0} running${engine ? `\n${engine.podman ? 'Podman' : 'Docker'} ${engine.version}, runtimes: ${engine.runtimes.join(', ')} (default ${engine.defaultRuntime})` : ''}`;
    const imgs = st?.images.filter((i) => this.deps.settings().showDanglingImages || !i.dangling).length ?? 0;
    this.imagesRoot.description = String(imgs);
  }

  roots(): TreeNode[] {
    void this.ensureStarted();
    if (this.discoveryError) {
      const n = new MessageNode(
        `${this.prefix}:error`,
        vscode.l10n.t('Docker engine not configured correctly'),
        {
          description: this.discoveryError,
          tooltip: this.discoveryError,
          icon: 'error',
          color: 'errorForeground',
        },
      );
      n.children = this.fixActions(n);
      return [n];
    }
    const st = this._store;
    if (!st || !this._endpoint)
      return [
        new MessageNode(`${this.prefix}:connecting`, vscode.l10n.t('Connecting to the container engine…'), {
          icon: 'loading~spin',
        }),
      ];
    if (st.status.kind === 'connecting')
      return [
        new MessageNode(
          `${this.prefix}:connecting`,
          vscode.l10n.t('Connecting to {0}…', this._endpoint.host),
          {
            icon: 'loading~spin',
          },
        ),
      ];
    if (st.status.kind === 'unreachable') {
      if (!this._endpoint.configured) {
        // First run, nothing found. The view's welcome content covers an otherwise empty view;
        // other sections may have rows, so say it here too.
        const n = new MessageNode(
          `${this.prefix}:noEngine`,
          vscode.l10n.t('No Docker or Podman engine found'),
          {
            description: vscode.l10n.t('looked at DOCKER_HOST, Docker contexts, the default socket, Podman'),
            tooltip: vscode.l10n.t('Tried {0}: {1}', this._endpoint.host, st.status.reason),
            icon: 'info',
            contextValue: 'docker.unreachable',
          },
        );
        n.children = this.fixActions(n);
        return [n];
      }
      const reason = st.status.reason;
      const n = new MessageNode(`${this.prefix}:unreachable`, vscode.l10n.t('Docker engine not reachable'), {
        description: this.endpointText(),
        tooltip: tooltipMarkdown(
          `${escapeMarkdown(vscode.l10n.t('Failed to connect to {0}. Is the engine running?', this.endpointText()))}\n\n${escapeMarkdown(reason)}`,
        ),
        icon: 'debug-disconnect',
        color: 'errorForeground',
        contextValue: 'docker.unreachable',
      });
      n.children = this.fixActions(n);
      return [n];
    }
    this.updateRootText();
    return [this.containersRoot, this.imagesRoot, this.volumesRoot, this.networksRoot];
  }

  /** A short state for the engine's group row. */
  state(): 'connecting' | 'ready' | 'unreachable' {
    if (this.discoveryError) return 'unreachable';
    const k = this._store?.status.kind;
    return k === 'ready' ? 'ready' : k === 'unreachable' ? 'unreachable' : 'connecting';
  }

  statusReason(): string {
    if (this.discoveryError) return this.discoveryError;
    const st = this._store?.status;
    return st?.kind === 'unreachable' ? st.reason : '';
  }

  async volumeChildren(parent: VolumesRootNode): Promise<TreeNode[]> {
    const client = this._store?.client;
    if (!client) return [];
    try {
      const list = await this.module().listVolumes(client);
      parent.description = String(list.length);
      if (!list.length)
        return [new MessageNode(`${this.prefix}:noVolumes`, vscode.l10n.t('No volumes'), {}, parent)];
      return list.map((v) => new VolumeNode(v, parent, this));
    } catch (e) {
      return [this.errorNode(`${this.prefix}:volumesError`, e, parent)];
    }
  }

  async networkChildren(parent: NetworksRootNode): Promise<TreeNode[]> {
    const client = this._store?.client;
    if (!client) return [];
    try {
      const list = await this.module().listNetworks(client);
      parent.description = String(list.length);
      return list.map((n) => new NetworkNode(n, parent, this));
    } catch (e) {
      return [this.errorNode(`${this.prefix}:networksError`, e, parent)];
    }
  }

  private errorNode(id: string, e: unknown, parent: TreeNode): TreeNode {
    return new MessageNode(id, messageOf(e), { icon: 'error', color: 'errorForeground' }, parent);
  }

  /** Volumes and networks are listed on expand: ask again (after a command changed them). */
  refreshResources(): void {
    this.deps.fire(this.volumesRoot);
    this.deps.fire(this.networksRoot);
  }

  private fixActions(parent: TreeNode): TreeNode[] {
    const all = [
      new MessageNode(
        `${this.prefix}:retry`,
        vscode.l10n.t('Retry'),
        {
          icon: 'refresh',
          command: { command: 'podvisor.docker.retry', title: vscode.l10n.t('Retry'), arguments: [this.key] },
        },
        parent,
      ),
      new MessageNode(
        `${this.prefix}:selectContext`,
        vscode.l10n.t('Select Docker context…'),
        {
          icon: 'plug',
          command: {
            command: 'podvisor.docker.selectContext',
            title: vscode.l10n.t('Select Docker context…'),
          },
        },
        parent,
      ),
    ];
    // A fixed endpoint is changed in its setting, not by picking a context.
    return this.spec.endpoint ? all.slice(0, 1) : all;
  }

  containerChildren(parent: ContainersRootNode | ContainerGroupNode): TreeNode[] {
    const st = this._store;
    if (!st) return [];
    const s = this.deps.settings();
    const m = this.module();
    const groups = m.groupContainers(st.containers.values(), s.groupBy, s.sortBy);
    const nodeFor = (c: ContainerInfo, p: TreeNode): ContainerNode => {
      let n = this.containerNodes.get(c.id);
      if (!n) this.containerNodes.set(c.id, (n = new ContainerNode(c, p, this)));
      n.info = c;
      n.parent = p;
      return n;
    };
    if (parent instanceof ContainersRootNode) {
      if (!st.containers.size)
        return [
          new MessageNode(
            `${this.prefix}:noContainers`,
            vscode.l10n.t('No containers'),
            { icon: 'info' },
            parent,
          ),
        ];
      if (s.groupBy === 'none') return (groups[0]?.containers ?? []).map((c) => nodeFor(c, parent));
      const live = new Set<string>();
      const out = groups.map((g) => {
        live.add(g.key);
        let n = this.groupNodes.get(g.key);
        if (!n) this.groupNodes.set(g.key, (n = new ContainerGroupNode(g.key, g.label, parent, this)));
        n.count = g.containers.length;
        n.label = g.label;
        return n;
      });
      for (const k of [...this.groupNodes.keys()]) if (!live.has(k)) this.groupNodes.delete(k);
      this.pruneNodes(st);
      return out;
    }
    const g = groups.find((x) => x.key === parent.key);
    return (g?.containers ?? []).map((c) => nodeFor(c, parent));
  }

  private pruneNodes(st: ContainerStore): void {
    for (const id of [...this.containerNodes.keys()])
      if (!st.containers.has(id)) this.containerNodes.delete(id);
  }

  imageChildren(parent: ImagesRootNode): TreeNode[] {
    const st = this._store;
    if (!st) return [];
    const showDangling = this.deps.settings().showDanglingImages;
    const next = new Map<string, ImageNode>();
    const list = st.images
      .filter((i) => showDangling || !i.dangling)
      .sort((a, b) => labelOf(a).localeCompare(labelOf(b)));
    const out = list.map((i) => {
      let n = this.imageNodes.get(i.id);
      if (!n) n = new ImageNode(i, parent, this);
      n.info = i;
      next.set(i.id, n);
      return n;
    });
    this.imageNodes = next;
    if (!out.length)
      return [
        new MessageNode(`${this.prefix}:noImages`, vscode.l10n.t('No images'), { icon: 'info' }, parent),
      ];
    return out;
  }

  /** The node currently shown for a container id (tests, reveal). */
  nodeOf(id: string): ContainerNode | undefined {
    return this.containerNodes.get(id);
  }

  containers(): ContainerInfo[] {
    return [...(this._store?.containers.values() ?? [])];
  }

  images(): ImageInfo[] {
    return [...(this._store?.images ?? [])];
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    this._store?.setVisible(visible);
    if (visible) void this.ensureStarted();
  }

  async refresh(): Promise<void> {
    if (this.discoveryError || !this._store) {
      await this.restart();
      return;
    }
    await this._store.refresh();
  }

  dispose(): void {
    this.configWatcher?.close();
    this.unsubscribe?.();
    this._store?.dispose();
  }
}

function labelOf(i: ImageInfo): string {
  return i.repoTags[0] ?? `~${i.id}`;
}
