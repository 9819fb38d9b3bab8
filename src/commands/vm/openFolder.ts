import * as vscode from 'vscode';
import type { Command } from '../command';
import { targetVm } from './target';

/** Opens the VM's spec.json (its folder holds the overlay, logs and sockets). */
export const openVmSpec: Command = {
  id: 'podvisor.vm.openSpec',
  async execute(svc, arg) {
    const t = await targetVm(
      svc,
      arg,
      ['running', 'paused', 'stopped', 'starting', 'stopping'],
      vscode.l10n.t('Select a VM'),
    );
    if (!t) return;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(t.store.paths(t.name).spec));
    await vscode.window.showTextDocument(doc);
  },
};
