import * as vscode from 'vscode';
import type * as Qemu from '../../backends/qemu';
import { messageOf } from '../../common/errors';
import type { Logger } from '../../common/log';
import type { VmSettings } from '../../common/settings';
import { sameSection } from '../../common/settings';
import { loadLazy } from '../../host/lazy';
import type { SettingsStore } from '../../host/settingsStore';
import type { TreeNode, WorkloadSection } from '../node';
import { MessageNode } from '../message';
import type { ContainersSection } from '../containers/section';
import { VmEngineGroups } from './engineGroups';
import { VmNode } from './nodes';

export const VMS_SECTION_ID = 'vms';

/**
 * "Virtual Machines": the Podvisor-managed QEMU VMs. The store (lazy `qemu` bundle) is created
 * on first show; its `change` events (from QMP events and QEMU's exit) refresh the one VM that
 * changed. VmNode objects are kept across refreshes so expansion and selection survive.
 */
export class VmsSection implements WorkloadSection {
  readonly id = VMS_SECTION_ID;
  readonly order = 20;
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChange = this.changed.event;
  private storeValue: Qemu.VmStore | undefined;
  private readonly nodes = new Map<string, VmNode>();
  private readonly group: VmsGroup;
  private error: string | undefined;
  private attached: Promise<void> | undefined;
  private readonly subs: vscode.Disposable[] = [];
  /** The containers of engine VMs, under their rows. */
  readonly engineGroups: VmEngineGroups;

  constructor(
    private readonly settings: SettingsStore,
    private readonly log: Logger,
    private readonly defaultHome: string,
    containers?: ContainersSection,
  ) {
    this.group = new VmsGroup(this);
    this.engineGroups = new VmEngineGroups(
      containers,
      (name) => this.nodes.get(name),
      (node) => this.changed.fire(node),
      log,
    );
    this.subs.push(
      settings.onDidChange(({ previous, current }) => {
        if (sameSection(previous.vm, current.vm)) return;
        if (previous.vm.home !== current.vm.home) {
          // Another folder: forget the old store (its VMs keep running) and read the new one.
          this.engineGroups.dispose();
          this.storeValue?.dispose();
          this.storeValue = undefined;
          this.attached = undefined;
          this.nodes.clear();
        } else this.storeValue?.setDefaults(defaultsOf(current.vm));
        void this.refresh();
      }),
    );
  }

  get home(): string {
    // Already absolute, `~` expanded: the settings reader normalises every path setting.
    return this.settings.current.vm.home || this.defaultHome;
  }

  /** The VM store, created (and re-attached to running VMs) on first use. */
  store(): Qemu.VmStore {
    if (!this.storeValue) {
      const mod = loadLazy<typeof Qemu>('qemu');
      const s = new mod.VmStore(this.home, defaultsOf(this.settings.current.vm), this.log);
      s.on('change', (name) => this.onStoreChange(name));
      this.storeValue = s;
      // After the store's own listener: a VM's row is updated before its engine rows change.
      this.reload();
      this.engineGroups.bind(s, mod);
      this.attached = s.attachRunning().catch((e) => this.log.warn(`VMs: re-attach failed: ${messageOf(e)}`));
    }
    return this.storeValue;
  }

  /** Resolves once VMs running before activation are re-attached. */
  async ready(): Promise<Qemu.VmStore> {
    const s = this.store();
    await this.attached;
    return s;
  }

  private onStoreChange(name: string | undefined): void {
    if (name && this.nodes.has(name)) {
      const node = this.nodes.get(name)!;
      node.info = this.store().info(name);
      this.changed.fire(node);
      this.changed.fire(this.group); // the group's "N running" description
      return;
    }
    this.reload();
    this.changed.fire(undefined);
  }

  /** Re-reads every VM from the store (specs are cached by mtime, so this is cheap). */
  reload(): void {
    try {
      const list = this.store().list();
      const seen = new Set<string>();
      for (const info of list) {
        seen.add(info.name);
        const n = this.nodes.get(info.name);
        if (n) n.info = info;
        else
          this.nodes.set(
            info.name,
            new VmNode(
              info,
              this.group,
              (node) => this.engineGroups.rows(node.name, node),
              (n) => this.engineGroups.info(n),
            ),
          );
      }
      for (const k of [...this.nodes.keys()]) if (!seen.has(k)) this.nodes.delete(k);
      this.error = undefined;
    } catch (e) {
      this.error = messageOf(e);
      this.nodes.clear();
    }
  }

  vmNodes(): VmNode[] {
    if (!this.storeValue) this.reload();
    return [...this.nodes.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  vmNode(name: string): VmNode | undefined {
    return this.nodes.get(name);
  }

  roots(): TreeNode[] {
    return [this.group];
  }

  /** @internal for the group */
  children(): TreeNode[] {
    const nodes = this.vmNodes();
    if (this.error)
      return [new MessageNode('vms:error', this.error, { icon: 'error', tooltip: this.error }, this.group)];
    if (nodes.length === 0) {
      return [
        new MessageNode(
          'vms:empty',
          vscode.l10n.t('No VMs yet — create one'),
          { icon: 'add', command: { command: 'podvisor.vm.new', title: vscode.l10n.t('New VM…') } },
          this.group,
        ),
      ];
    }
    return nodes;
  }

  setVisible(): void {
    // Nothing to start or stop: changes are pushed by the store (QMP events, process exit).
  }

  async refresh(): Promise<void> {
    this.store();
    this.reload();
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.engineGroups.dispose();
    this.storeValue?.dispose();
    for (const s of this.subs.splice(0)) s.dispose();
    this.changed.dispose();
  }
}

function defaultsOf(vm: VmSettings): Qemu.VmDefaults {
  return { accelerator: vm.accelerator, cpuModel: vm.cpuModel };
}

class VmsGroup implements TreeNode {
  readonly id = 'vms:group';
  constructor(private readonly section: VmsSection) {}

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(
      vscode.l10n.t('Virtual Machines'),
      vscode.TreeItemCollapsibleState.Expanded,
    );
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('vm');
    const nodes = this.section.vmNodes();
    const running = nodes.filter((n) => n.info.state !== 'stopped').length;
    item.description = vscode.l10n.t('{0} running / {1}', running, nodes.length);
    item.tooltip = this.section.home;
    item.contextValue = 'vm.group';
    return item;
  }

  getChildren(): TreeNode[] {
    return this.section.children();
  }

  getParent(): undefined {
    return undefined;
  }
}
