import * as vscode from 'vscode';
import type * as Qemu from '../../backends/qemu';
import { UserError } from '../../common/errors';
import { loadLazy } from '../../host/lazy';
import type { Command } from '../command';
import { withProgress } from '../../host/progress';
import { targetVm } from './target';

async function pickSnapshot(
  store: Qemu.VmStore,
  name: string,
  placeHolder: string,
): Promise<string | undefined> {
  const list = await store.snapshots(name);
  if (!list.length) throw new UserError(vscode.l10n.t('VM {0} has no snapshots.', name));
  const pick = await vscode.window.showQuickPick(
    list.map((s) => ({
      label: s.name,
      description: s.date.toLocaleString(),
      detail: s.vmStateSize
        ? vscode.l10n.t(
            'with memory ({0} MiB), guest clock {1}s',
            (s.vmStateSize / 1048576).toFixed(1),
            s.vmClockSec.toFixed(0),
          )
        : vscode.l10n.t('disk only'),
    })),
    { placeHolder },
  );
  return pick?.label;
}

const ALL: Qemu.VmInfo['state'][] = ['running', 'paused', 'stopped'];

/** Snapshot name from the second argument (tests, keybindings) or an input box. */
export const createVmSnapshot: Command = {
  id: 'podvisor.vm.snapshotCreate',
  async execute(svc, arg, snapArg) {
    const t = await targetVm(svc, arg, ALL, vscode.l10n.t('Select a VM to snapshot'));
    if (!t) return;
    const { snapshotNameProblem } = loadLazy<typeof Qemu>('qemu');
    const snap =
      typeof snapArg === 'string'
        ? snapArg
        : await vscode.window.showInputBox({
            prompt: vscode.l10n.t('Snapshot name for {0}', t.name),
            value: `snap-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}`,
            validateInput: (v) => snapshotNameProblem(v),
          });
    if (!snap) return;
    await withProgress(vscode.l10n.t('Taking snapshot {0} of {1}…', snap, t.name), (signal) =>
      t.store.snapshot(t.name, 'create', snap, signal),
    );
  },
};

export const revertVmSnapshot: Command = {
  id: 'podvisor.vm.snapshotRevert',
  async execute(svc, arg, snapArg) {
    const t = await targetVm(svc, arg, ALL, vscode.l10n.t('Select a VM'));
    if (!t) return;
    const snap =
      typeof snapArg === 'string'
        ? snapArg
        : await pickSnapshot(t.store, t.name, vscode.l10n.t('Revert {0} to…', t.name));
    if (!snap) return;
    await withProgress(vscode.l10n.t('Reverting {0} to {1}…', t.name, snap), (signal) =>
      t.store.snapshot(t.name, 'revert', snap, signal),
    );
  },
};

export const deleteVmSnapshot: Command = {
  id: 'podvisor.vm.snapshotDelete',
  async execute(svc, arg, snapArg) {
    const t = await targetVm(svc, arg, ALL, vscode.l10n.t('Select a VM'));
    if (!t) return;
    const snap =
      typeof snapArg === 'string'
        ? snapArg
        : await pickSnapshot(t.store, t.name, vscode.l10n.t('Delete which snapshot of {0}?', t.name));
    if (!snap) return;
    await withProgress(vscode.l10n.t('Deleting snapshot {0} of {1}…', snap, t.name), (signal) =>
      t.store.snapshot(t.name, 'delete', snap, signal),
    );
  },
};

/** Lists snapshots (a pick that shows them; picking one offers revert). Returns the list for tests. */
export const listVmSnapshots: Command = {
  id: 'podvisor.vm.snapshots',
  async execute(svc, arg) {
    const t = await targetVm(svc, arg, ALL, vscode.l10n.t('Select a VM'));
    if (!t) return;
    const snap = await pickSnapshot(
      t.store,
      t.name,
      vscode.l10n.t('Snapshots of {0} (pick one to revert to it)', t.name),
    );
    if (!snap) return;
    const revert = vscode.l10n.t('Revert');
    if (
      (await vscode.window.showInformationMessage(
        vscode.l10n.t('Revert {0} to snapshot {1}?', t.name, snap),
        revert,
      )) === revert
    ) {
      await withProgress(vscode.l10n.t('Reverting {0} to {1}…', t.name, snap), (signal) =>
        t.store.snapshot(t.name, 'revert', snap, signal),
      );
    }
  },
};
