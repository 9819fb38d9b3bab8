import * as vscode from 'vscode';
import type { Command } from '../command';
import { withProgress } from '../../host/progress';
import { targetVm } from './target';

/** A saved VM, booted instead of resumed: its saved memory is discarded (after asking). */
export const startVmFresh: Command = {
  id: 'podvisor.vm.startFresh',
  async execute(svc, arg, confirmed) {
    const t = await targetVm(svc, arg, ['stopped'], vscode.l10n.t('Select a VM'));
    if (!t) return;
    if (t.store.info(t.name).saved && confirmed !== true) {
      const boot = vscode.l10n.t('Discard and Boot');
      const pick = await vscode.window.showWarningMessage(
        vscode.l10n.t('Boot VM {0} fresh?', t.name),
        {
          modal: true,
          detail: vscode.l10n.t('Its saved memory (the running guest, its containers) is discarded.'),
        },
        boot,
      );
      if (pick !== boot) return;
    }
    await withProgress(vscode.l10n.t('Starting VM {0}…', t.name), (signal) =>
      t.store.start(t.name, { signal, fresh: true }),
    );
  },
};
