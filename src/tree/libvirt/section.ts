import * as vscode from 'vscode';
import type * as Backend from '../../backends/libvirt';
import type { LibvirtSettings } from '../../common/settings/libvirt';
import { sameSection } from '../../common/settings';
import type { Logger } from '../../common/log';
import { loadLazy } from '../../host/lazy';
import type { SettingsStore } from '../../host/settingsStore';
import type { TreeNode, WorkloadSection } from '../node';
import { LibvirtGroup } from './group';
import type { DomainNode } from './nodes';

export const LIBVIRT_SECTION_ID = 'libvirt';

/**
 * The libvirt part of the Workloads view: one group per configured URI, each over its
 * connection's DomainStore (the `virsh event` stream and a slow safety poll, both only while the
 * view is visible). A connection that can't be reached is a group with the reason and a hint,
 * and nothing else is affected. The backend bundle loads on the first listing, not at
 * activation. No timer here: the stores own them.
 */
export class LibvirtSection implements WorkloadSection {
  readonly id = LIBVIRT_SECTION_ID;
  readonly order = 30;
  private groups: LibvirtGroup[] = [];
  private visible = false;
  private cfg: LibvirtSettings;
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChange = this.changed.event;
  private readonly sub: vscode.Disposable;

  constructor(
    settings: SettingsStore,
    private readonly log: Logger,
    private readonly loadBackend = () => loadLazy<typeof Backend>('libvirt'),
  ) {
    this.cfg = settings.current.libvirt;
    this.groups = this.makeGroups();
    this.sub = settings.onDidChange(({ previous, current }) => {
      if (sameSection(previous.libvirt, current.libvirt)) return;
      this.cfg = current.libvirt;
      for (const g of this.groups) g.dispose();
      this.groups = this.makeGroups();
      for (const g of this.groups) g.setVisible(this.visible);
      this.changed.fire(undefined);
    });
  }

  private makeGroups(): LibvirtGroup[] {
    const deps = {
      backend: this.loadBackend,
      virsh: this.cfg.virshPath,
      log: this.log,
      pollSeconds: this.cfg.pollSeconds,
      fire: (n: TreeNode) => this.changed.fire(n),
      updated: () => this.updateContext(),
    };
    const groups = this.cfg.uris.map((uri) => new LibvirtGroup(uri, deps));
    this.updateContext(groups);
    return groups;
  }

  /** `podvisor.libvirt.hasDomains` keeps the domain commands out of the palette until there is one. */
  private hasDomains: boolean | undefined;
  private updateContext(groups = this.groups): void {
    const has = groups.some((g) => g.domains.length > 0);
    if (has === this.hasDomains) return;
    this.hasDomains = has;
    void vscode.commands.executeCommand('setContext', 'podvisor.libvirt.hasDomains', has);
  }

  roots(): TreeNode[] {
    return this.groups;
  }

  group(uri: string): LibvirtGroup | undefined {
    return this.groups.find((g) => g.uri === uri);
  }

  get allGroups(): readonly LibvirtGroup[] {
    return this.groups;
  }

  /** Every known domain of every reachable connection. */
  domains(): DomainNode[] {
    return this.groups.flatMap((g) => g.domains);
  }

  /** A client for `uri` with the current settings (the backend bundle loads now if it hasn't). */
  client(uri: string): Backend.LibvirtClient {
    const b = this.loadBackend();
    return new b.LibvirtClient(uri, { virsh: this.cfg.virshPath, log: this.log });
  }

  get backend(): typeof Backend {
    return this.loadBackend();
  }

  setVisible(visible: boolean): void {
    if (this.visible === visible) return;
    this.visible = visible;
    for (const g of this.groups) g.setVisible(visible);
  }

  /** Manual refresh: immediate. */
  async refresh(): Promise<void> {
    await Promise.all(this.groups.map((g) => g.refresh()));
  }

  dispose(): void {
    for (const g of this.groups) g.dispose();
    this.groups = [];
    this.sub.dispose();
    this.changed.dispose();
  }
}
