import * as vscode from 'vscode';
import type { Command } from '../command';
import { targetVm } from './target';

/** After installing from an ISO: detach it, so the VM boots from its own disk. */
export const ejectVmIso: Command = {
  id: 'podvisor.vm.ejectIso',
  async execute(svc, arg) {
    const t = await targetVm(svc, arg, ['stopped'], vscode.l10n.t('Detach the installer ISO of which VM?'));
    if (!t) return;
    await t.store.ejectIso(t.name);
  },
};
