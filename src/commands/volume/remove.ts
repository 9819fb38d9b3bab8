import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../common/errors';
import { VolumeNode } from '../../tree/containers/resourceNodes';
import type { Command } from '../command';
import { engineTarget } from '../docker/engineTarget';

/** Remove Volume: the engine refuses one in use, in its own words. A test passes `{ confirmed: true }` second. */
export const removeVolume: Command = {
  id: 'podvisor.volume.remove',
  async execute(svc, ...args) {
    const [node, opts] = args;
    if (!(node instanceof VolumeNode)) throw new UserError(vscode.l10n.t('Pick a volume in the view.'));
    const engine = await engineTarget(svc, node, '');
    if ((opts as { confirmed?: boolean } | undefined)?.confirmed !== true) {
      const remove = vscode.l10n.t('Remove');
      const pick = await vscode.window.showWarningMessage(
        vscode.l10n.t('Remove volume {0}?', node.info.name),
        { modal: true, detail: vscode.l10n.t('This cannot be undone.') },
        remove,
      );
      if (pick !== remove) throw new CancelledError();
    }
    await svc.containers.module().removeVolume(await engine.client(), node.info.name);
    engine.refreshResources();
  },
};
