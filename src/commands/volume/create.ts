import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../common/errors';
import type { Command } from '../command';
import { engineTarget } from '../docker/engineTarget';

/** Create Volume: a named volume on one engine. A test passes the name as the second argument. */
export const createVolume: Command = {
  id: 'podvisor.volume.create',
  async execute(svc, ...args) {
    const engine = await engineTarget(svc, args[0], vscode.l10n.t('Engine to create the volume on'));
    const m = svc.containers.module();
    const name =
      (typeof args[1] === 'string' ? args[1] : undefined) ??
      (await vscode.window.showInputBox({
        title: vscode.l10n.t('Name of the new volume'),
        validateInput: (v) => m.validateResourceName(v.trim(), 'volume'),
      }));
    if (name === undefined) throw new CancelledError();
    const bad = m.validateResourceName(name.trim(), 'volume');
    if (bad) throw new UserError(bad);
    await m.createVolume(await engine.client(), name.trim());
    engine.refreshResources();
    return name.trim();
  },
};
