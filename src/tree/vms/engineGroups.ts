import * as vscode from 'vscode';
import type * as Qemu from '../../backends/qemu';
import type { EngineVmInfo } from '../../backends/qemu/engine/engines';
import type { Logger } from '../../common/log';
import type { EngineView } from '../containers/engine';
import type { ContainersSection } from '../containers/section';
import { MessageNode } from '../message';
import type { TreeNode } from '../node';

/**
 * The containers of engine VMs, under their VM rows: when an engine VM's Engine API answers,
 * its engine joins the Containers section's engines (so every container and image command works
 * on it) with its rows under the VM; when the VM stops or is saved, the engine leaves again.
 * Driven by the backend's EngineVms events (QMP events and QEMU's exit), no timer.
 */
export class VmEngineGroups {
  private engines: Qemu.EngineVms | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly views = new Map<string, EngineView>();

  constructor(
    private readonly containers: ContainersSection | undefined,
    private readonly nodeOf: (name: string) => TreeNode | undefined,
    private readonly fire: (node: TreeNode | undefined) => void,
    private readonly log: Logger,
  ) {}

  /** Follows the engine VMs of a (new) VM store. */
  bind(store: Qemu.VmStore, mod: typeof Qemu): void {
    this.unbind();
    const e = new mod.EngineVms(store, this.log);
    this.engines = e;
    this.unsubscribe = e.onChange((name) => this.sync(name));
    for (const n of e.names()) this.sync(n);
  }

  get backend(): Qemu.EngineVms | undefined {
    return this.engines;
  }

  info(name: string): EngineVmInfo | undefined {
    return this.engines?.info(name);
  }

  /** The engine's view of a VM whose engine answers (commands and tests). */
  view(name: string): EngineView | undefined {
    return this.views.get(name);
  }

  private sync(name: string): void {
    const info = this.engines?.info(name);
    const node = this.nodeOf(name);
    const has = this.views.has(name);
    if (info?.state === 'ready' && info.endpoint && !has && node && this.containers) {
      const view = this.containers.attachEngine(
        {
          key: `vm.${name}`,
          label: vscode.l10n.t('VM {0}', name),
          endpoint: { host: info.endpoint, source: 'engine-vm', configured: true },
          hostVm: name,
        },
        node,
        (n) => this.fire(n ?? this.nodeOf(name)),
      );
      this.views.set(name, view);
    } else if (info?.state !== 'ready' && has) {
      this.views.delete(name);
      this.containers?.detachEngine(`vm.${name}`);
    }
    this.fire(node);
  }

  /** The rows an engine VM shows above its details: its engine's, or where the engine is at. */
  rows(name: string, parent: TreeNode): TreeNode[] {
    const info = this.engines?.info(name);
    if (!info) return [];
    const view = this.views.get(name);
    if (info.state === 'ready' && view) return view.roots();
    if (info.state === 'starting')
      return [
        new MessageNode(
          `vm:${name}:engine:starting`,
          vscode.l10n.t('Engine starting…'),
          {
            icon: 'loading~spin',
            description: info.agent
              ? vscode.l10n.t('the VM is up, waiting for dockerd')
              : vscode.l10n.t('booting'),
            ...(info.reason ? { tooltip: info.reason } : {}),
          },
          parent,
        ),
      ];
    if (info.state === 'saving')
      return [
        new MessageNode(
          `vm:${name}:engine:saving`,
          vscode.l10n.t('Saving the VM’s memory…'),
          { icon: 'loading~spin' },
          parent,
        ),
      ];
    return [];
  }

  private unbind(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const n of [...this.views.keys()]) this.containers?.detachEngine(`vm.${n}`);
    this.views.clear();
    this.engines?.dispose();
    this.engines = undefined;
  }

  dispose(): void {
    this.unbind();
  }
}
