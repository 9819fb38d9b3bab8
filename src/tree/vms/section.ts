import * as vscode from 'vscode';
import type * as Qemu from '../../backends/qemu';
import { messageOf } from '../../common/errors';
import type { Logger } from '../../common/log';
import type { VmSettings } from '../../common/settings';
import { sameSection } from '../../common/settings';
import { loadLazy } from '../../host/lazy';
import type { SettingsStore } from '../../host/settingsStore';
import type { Change } from '../../backends/store';
import { rowChanges } from '../changes';
import type { TreeNode, WorkloadSection } from '../node';
import { MessageNode } from '../message';
import type { ContainersSection } from '../containers/section';
import { VmEngineGroups } from './engineGroups';
import { VmNode } from './nodes';

export const VMS_SECTION_ID = 'vms';

/**
 * "Virtual Machines": the Podvisor-managed QEMU VMs. The store (lazy `qemu` bundle) is created
 * on first show; its changes (QMP events, QEMU's exit, our actions, a safety poll while
 * visible) name the VMs that changed, and only those rows are fired — the group row too when
 * its "N running" text changed or VMs came or went. VmNode objects are kept per name, so
 * expansion and selection survive.
 */
export class VmsSection implements WorkloadSection {
  readonly id = VMS_SECTION_ID;
  readonly order = 20;
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChange = this.changed.event;
  private storeValue: Qemu.VmStore | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly nodes = new Map<string, VmNode>();
  private readonly group: VmsGroup;
  private attached: Promise<void> | undefined;
  private visible = false;
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
          this.unsubscribe?.();
          this.storeValue?.dispose();
          this.storeValue = undefined;
          this.attached = undefined;
          this.nodes.clear();
          this.changed.fire(this.group);
        } else this.storeValue?.setDefaults(defaultsOf(current.vm));
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
      this.unsubscribe = s.onChange((c) => this.apply(c));
      s.setVisible(this.visible);
      this.storeValue = s;
      // After the section's own listener: a VM's row is updated before its engine rows change.
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

  private apply(c: Change): void {
    const s = this.storeValue;
    if (!s) return;
    const { rows, structural } = rowChanges(
      c,
      (name) => this.nodes.get(name),
      (node, name) => {
        const info = s.items.get(name);
        if (!info) return 'gone';
        node.info = info;
        return true;
      },
    );
    if (structural || this.group.shownRunning !== this.running()) {
      this.changed.fire(this.group);
      return;
    }
    for (const n of rows) this.changed.fire(n);
  }

  private running(): number {
    let n = 0;
    for (const i of this.store().items.values()) if (i.state !== 'stopped') n++;
    return n;
  }

  /** The rows, one per VM of the model, sorted; nodes are reused per name. */
  vmNodes(): VmNode[] {
    const items = this.store().items;
    for (const name of [...this.nodes.keys()]) if (!items.has(name)) this.nodes.delete(name);
    for (const info of items.values()) {
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
    const st = this.store().status;
    if (st.kind === 'unreachable')
      return [new MessageNode('vms:error', st.reason, { icon: 'error', tooltip: st.reason }, this.group)];
    const nodes = this.vmNodes();
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

  /** Counts for the group row (read when it renders). */
  counts(): { running: number; all: number } {
    const items = this.store().items;
    return { running: this.running(), all: items.size };
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    this.storeValue?.setVisible(visible);
  }

  /** Manual refresh: the store re-reads the folder now and delivers what changed. */
  async refresh(): Promise<void> {
    await this.store().refresh();
  }

  dispose(): void {
    this.engineGroups.dispose();
    this.unsubscribe?.();
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
  /** The running count this row shows now (-1: not rendered yet). */
  shownRunning = -1;
  constructor(private readonly section: VmsSection) {}

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(
      vscode.l10n.t('Virtual Machines'),
      vscode.TreeItemCollapsibleState.Expanded,
    );
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('vm');
    const { running, all } = this.section.counts();
    this.shownRunning = running;
    item.description = vscode.l10n.t('{0} running / {1}', running, all);
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
