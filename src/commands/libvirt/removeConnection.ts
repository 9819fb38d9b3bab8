import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import type { Services } from '../../host/services';
import type { Command } from '../command';

/** Removes a group (its URI) from podvisor.libvirt.uris. Invoked on a group row, or picks one. */
export const removeConnection: Command = {
  id: 'podvisor.libvirt.removeConnection',
  async execute(svc: Services, arg?: unknown) {
    const current = svc.settings.current.libvirt.uris;
    const fromNode = arg as { kind?: unknown; uri?: unknown } | undefined;
    const uri =
      fromNode?.kind === 'libvirt.group' && typeof fromNode.uri === 'string'
        ? fromNode.uri
        : typeof arg === 'string'
          ? arg
          : await vscode.window.showQuickPick([...current], {
              placeHolder: vscode.l10n.t('libvirt connection to stop showing'),
            });
    if (!uri) return;
    if (!current.includes(uri))
      throw new UserError(vscode.l10n.t('{0} is not in podvisor.libvirt.uris.', uri));
    await vscode.workspace.getConfiguration('podvisor').update(
      'libvirt.uris',
      current.filter((u) => u !== uri),
      vscode.ConfigurationTarget.Global,
    );
  },
};
