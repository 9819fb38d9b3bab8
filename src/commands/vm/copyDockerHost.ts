import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import type { Command } from '../command';
import { targetVm } from './target';

/** Copies an engine VM's `DOCKER_HOST` (its 0600 socket), for the docker CLI in a terminal. */
export const copyDockerHost: Command = {
  id: 'podvisor.vm.copyDockerHost',
  async execute(svc, arg) {
    const t = await targetVm(svc, arg, ['running', 'paused'], vscode.l10n.t('Select an engine VM'));
    if (!t) return undefined;
    const info = svc.vms.engineGroups.info(t.name);
    if (!t.store.info(t.name).spec?.engine || !info?.endpoint)
      throw new UserError(vscode.l10n.t('VM {0} is not a running engine VM.', t.name));
    const line = `DOCKER_HOST=${info.endpoint}`;
    await vscode.env.clipboard.writeText(line);
    void vscode.window.showInformationMessage(vscode.l10n.t('Copied: {0}', line));
    return line;
  },
};
