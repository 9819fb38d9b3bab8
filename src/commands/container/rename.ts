import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../common/errors';
import type { Command } from '../command';
import { containerTargets } from './targets';

export const renameContainer: Command = {
  id: 'podvisor.container.rename',
  async execute(svc, ...args) {
    const [c] = await containerTargets(svc, args, () => true, vscode.l10n.t('Container to rename'));
    const m = svc.containers.module();
    const given = typeof args[2] === 'string' ? args[2] : undefined;
    const name =
      given ??
      (await vscode.window.showInputBox({
        title: vscode.l10n.t('Rename {0}', c.name),
        value: c.name,
        validateInput: (v) => m.validateContainerName(v.trim()),
      }));
    if (name === undefined) throw new CancelledError();
    const bad = m.validateContainerName(name.trim());
    if (bad) throw new UserError(bad);
    const client = await c.engine.client();
    await client.renameContainer(c.id, name.trim());
  },
};
