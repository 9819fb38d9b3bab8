import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../common/errors';
import { NetworkNode } from '../../tree/containers/resourceNodes';
import type { Command } from '../command';
import { engineTarget } from '../docker/engineTarget';

/** Remove Network: the engine refuses one in use, in its own words. A test passes `{ confirmed: true }` second. */
export const removeNetwork: Command = {
  id: 'podvisor.network.remove',
  async execute(svc, ...args) {
    const [node, opts] = args;
    if (!(node instanceof NetworkNode)) throw new UserError(vscode.l10n.t('Pick a network in the view.'));
    const engine = await engineTarget(svc, node, '');
    if ((opts as { confirmed?: boolean } | undefined)?.confirmed !== true) {
      const remove = vscode.l10n.t('Remove');
      const pick = await vscode.window.showWarningMessage(
        vscode.l10n.t('Remove network {0}?', node.info.name),
        { modal: true, detail: vscode.l10n.t('This cannot be undone.') },
        remove,
      );
      if (pick !== remove) throw new CancelledError();
    }
    await svc.containers.module().removeNetwork(await engine.client(), node.info.name);
    engine.refreshResources();
  },
};
