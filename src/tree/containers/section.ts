import * as vscode from 'vscode';
import type { ContainerInfo, ImageInfo } from '../../backends/docker/model';
import type { Endpoint } from '../../backends/docker/discovery';
import type { ContainerStore } from '../../backends/docker/store';
import type { DockerClient } from '../../backends/docker/client';
import type { EngineEndpointSetting } from '../../common/settings/docker';
import type { TreeNode, WorkloadSection } from '../node';
import { EngineView, type ContainersSectionDeps, type DockerModule } from './engine';
import type { ContainerNode } from './nodes';
import { EngineGroupNode } from './resourceNodes';

export type { DockerModule, ContainersSectionDeps } from './engine';

/** The key of an engine of `podvisor.docker.endpoints` (stable across restarts: from its host). */
export function endpointKey(e: EngineEndpointSetting): string {
  return e.host.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/**
 * The container engines of the Workloads view. With only the discovered engine, its containers,
 * images, volumes and networks are top-level rows (as always); with `podvisor.docker.endpoints`
 * set, every engine — the discovered one first — is a group of the same tree, each with its own
 * store, live events and "not reachable" row, so one engine going down leaves the others live.
 * The section keeps the single-engine API (client(), store, nodeOf…) for the discovered engine.
 */
export class ContainersSection implements WorkloadSection {
  readonly id = 'containers';
  readonly order = 10;
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChange = this.changed.event;
  private readonly updated = new vscode.EventEmitter<void>();
  /** Fires after every store change was applied to the nodes (tests and the benchmark listen). */
  readonly onDidUpdate = this.updated.event;
  private primary: EngineView;
  private extra: EngineView[] = [];
  /** Engines shown elsewhere in the tree (an engine VM's, under its VM row); their commands work the same. */
  private readonly attached = new Map<string, EngineView>();
  private readonly groups = new Map<string, EngineGroupNode>();
  private visible = false;
  private endpointsKey = '';

  constructor(private readonly deps: ContainersSectionDeps) {
    this.primary = this.makeView({ key: 'default', label: vscode.l10n.t('Local engine') });
    this.syncEndpoints();
  }

  /** Set before the views are built, so their roots know their group from the start. */
  private groupedNow = false;

  private grouped(): boolean {
    return this.groupedNow;
  }

  private makeView(spec: { key: string; label: string; endpoint?: Endpoint }): EngineView {
    const view: EngineView = new EngineView(spec, {
      ...this.deps,
      fire: (node) => {
        if (node) this.changed.fire(node);
        else if (this.grouped()) {
          const g = this.groups.get(spec.key);
          this.updateGroup(view);
          this.changed.fire(g);
        } else this.changed.fire(undefined);
      },
      updated: () => {
        if (this.grouped()) {
          const g = this.groups.get(spec.key);
          if (g && this.updateGroup(view)) this.changed.fire(g);
        }
        this.updated.fire();
      },
      parent: (v) => (this.grouped() ? this.groupOf(v) : undefined),
    });
    return view;
  }

  /** Updates a group row's text; true when what it shows changed. */
  private updateGroup(v: EngineView): boolean {
    const g = this.groups.get(v.key);
    if (!g) return false;
    const before = `${g.state}|${g.description}|${g.tooltip}`;
    g.state = v.state();
    g.description = v.host;
    g.tooltip = g.state === 'unreachable' ? `${v.host}: ${v.statusReason()}` : v.host;
    return before !== `${g.state}|${g.description}|${g.tooltip}`;
  }

  private groupOf(v: EngineView): EngineGroupNode {
    let g = this.groups.get(v.key);
    if (!g) this.groups.set(v.key, (g = new EngineGroupNode(v, () => v.roots())));
    this.updateGroup(v);
    return g;
  }

  /** (Re)builds the extra engines from `podvisor.docker.endpoints`; returns whether they changed. */
  private syncEndpoints(): boolean {
    const eps = this.deps.settings().endpoints;
    const key = JSON.stringify(eps);
    if (key === this.endpointsKey) return false;
    const wasGrouped = this.grouped();
    this.endpointsKey = key;
    for (const v of this.extra) v.dispose();
    this.groups.clear();
    this.groupedNow = eps.length > 0;
    this.extra = eps.map((e) =>
      this.makeView({
        key: endpointKey(e),
        label: e.name,
        endpoint: {
          host: e.host,
          source: 'setting',
          configured: true,
          ...(e.tlsDir ? { tlsDir: e.tlsDir, tlsVerify: true } : {}),
          ...(e.sshConfig ? { sshConfig: e.sshConfig } : {}),
        },
      }),
    );
    if (wasGrouped !== this.grouped()) {
      // The discovered engine's roots move under (or out of) a group: new nodes with new parents.
      this.primary.dispose();
      this.primary = this.makeView({ key: 'default', label: vscode.l10n.t('Local engine') });
    }
    for (const v of this.extra) v.setVisible(this.visible);
    this.primary.setVisible(this.visible);
    return true;
  }

  /** Every engine shown, the discovered one first. */
  engines(): EngineView[] {
    return [this.primary, ...this.extra, ...this.attached.values()];
  }

  /**
   * Shows an engine under another section's node (an engine VM's row): its rows hang under
   * `parent`, its changes go to `fire` (undefined: everything of this engine), and container
   * and image commands find it like any other engine.
   */
  attachEngine(
    spec: { key: string; label: string; endpoint: Endpoint; hostVm?: string },
    parent: TreeNode,
    fire: (node: TreeNode | undefined) => void,
  ): EngineView {
    this.detachEngine(spec.key);
    const view = new EngineView(spec, {
      ...this.deps,
      fire,
      updated: () => this.updated.fire(),
      parent: () => parent,
    });
    this.attached.set(spec.key, view);
    view.setVisible(this.visible);
    return view;
  }

  /** Stops showing an attached engine (its VM stopped): its store and events end. */
  detachEngine(key: string): void {
    const v = this.attached.get(key);
    if (!v) return;
    this.attached.delete(key);
    v.dispose();
  }

  engine(key: string): EngineView | undefined {
    return this.engines().find((e) => e.key === key);
  }

  roots(): TreeNode[] {
    if (!this.grouped()) return this.primary.roots();
    return this.engines().map((v) => {
      void v.ensureStarted();
      return this.groupOf(v);
    });
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    for (const v of this.engines()) v.setVisible(visible);
  }

  async refresh(): Promise<void> {
    // Attached engines refresh with the section that shows them.
    await Promise.all([this.primary, ...this.extra].map((v) => v.refresh()));
  }

  /** Settings changed: endpoints rebuilt; the discovered engine restarted when its address may have moved. */
  async settingsChanged(restartPrimary: boolean): Promise<void> {
    const changed = this.syncEndpoints();
    if (restartPrimary) await this.primary.restart();
    else this.rerender();
    if (changed) this.changed.fire(undefined);
  }

  async restart(): Promise<void> {
    await this.primary.restart();
  }

  rerender(): void {
    for (const v of this.engines()) v.rerender();
  }

  // The single-engine API, for the discovered engine (sandboxes, manifests, existing commands).
  module(): DockerModule {
    return this.primary.module();
  }
  get store(): ContainerStore | undefined {
    return this.primary.store;
  }
  get endpoint(): Endpoint | undefined {
    return this.primary.endpoint;
  }
  client(): Promise<DockerClient> {
    return this.primary.client();
  }
  endpointText(): string {
    return this.primary.endpointText();
  }
  ensureStarted(): Promise<void> {
    return this.primary.ensureStarted();
  }
  nodeOf(id: string): ContainerNode | undefined {
    return this.primary.nodeOf(id);
  }
  containers(): ContainerInfo[] {
    return this.primary.containers();
  }
  images(): ImageInfo[] {
    return this.primary.images();
  }

  dispose(): void {
    for (const v of this.engines()) v.dispose();
    this.changed.dispose();
    this.updated.dispose();
  }
}
