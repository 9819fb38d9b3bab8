import * as vscode from 'vscode';
import type { Command } from '../command';
import { targetVm } from './target';

/** Asks first; removes only the VM's own folder (its overlay, seed, logs), never the base image. */
export const deleteVm: Command = {
  id: 'podvisor.vm.delete',
  async execute(svc, arg) {
    const t = await targetVm(svc, arg, ['stopped'], vscode.l10n.t('Select a VM to delete'));
    if (!t) return;
    const info = t.store.info(t.name);
    const bases = (info.spec?.disks ?? []).map((d) => d.base).filter(Boolean);
    const del = vscode.l10n.t('Delete');
    const pick = await vscode.window.showWarningMessage(
      vscode.l10n.t('Delete VM {0}?', t.name),
      {
        modal: true,
        detail: vscode.l10n.t(
          'This removes {0} with its disk overlay and snapshots.{1}',
          info.dir,
          bases.length ? ' ' + vscode.l10n.t('Base images are kept: {0}', bases.join(', ')) : '',
        ),
      },
      del,
    );
    if (pick !== del) return;
    await t.store.delete(t.name);
  },
};
