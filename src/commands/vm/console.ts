import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import type { Command } from '../command';
import { showSerialTerminal } from './serialTerminal';
import { targetVm } from './target';

export const openVmConsole: Command = {
  id: 'podvisor.vm.console',
  async execute(svc, arg) {
    const t = await targetVm(svc, arg, ['running', 'paused', 'starting'], vscode.l10n.t('Select a VM'));
    if (!t) return;
    const h = t.store.handle(t.name);
    if (!h) throw new UserError(vscode.l10n.t('VM {0} is not running.', t.name));
    return showSerialTerminal(t.name, h.serial);
  },
};
