import * as vscode from 'vscode';
import type { Command } from '../command';
import { shellWord, sshTarget } from './sshTarget';

/**
 * Copies `ssh -F <Podvisor's config> podvisor-<vm>`: works in any terminal without touching
 * ~/.ssh/config (the entry pins the VM's host key and uses its own key). Returns it (tests).
 */
export const copySshCommand: Command = {
  id: 'podvisor.vm.copySshCommand',
  async execute(svc, arg) {
    const t = await sshTarget(svc, arg);
    if (!t) return undefined;
    const line = `ssh -F ${shellWord(t.configFile)} ${t.alias}`;
    await vscode.env.clipboard.writeText(line);
    void vscode.window.showInformationMessage(vscode.l10n.t('Copied: {0}', line));
    return line;
  },
};
