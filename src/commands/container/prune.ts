import * as vscode from 'vscode';
import { CancelledError } from '../../common/errors';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { engineTarget } from '../docker/engineTarget';

export const pruneContainers: Command = {
  id: 'podvisor.container.prune',
  async execute(svc, ...args) {
    const engine = await engineTarget(
      svc,
      args[0],
      vscode.l10n.t('Engine whose stopped containers to remove'),
    );
    const client = await engine.client();
    await engine.store?.idle();
    const stopped = engine
      .containers()
      .filter((c) => c.state === 'stopped' || c.state === 'created' || c.state === 'dead');
    const confirmed = (args[2] as { confirmed?: boolean } | undefined)?.confirmed === true;
    if (!confirmed) {
      const remove = vscode.l10n.t('Remove');
      const pick = await vscode.window.showWarningMessage(
        vscode.l10n.t('Remove all stopped containers ({0})?', stopped.length),
        {
          modal: true,
          detail:
            stopped
              .slice(0, 15)
              .map((c) => c.name)
              .join(', ') + (stopped.length > 15 ? ', …' : ''),
        },
        remove,
      );
      if (pick !== remove) throw new CancelledError();
    }
    const m = engine.module();
    const r = await withProgress(vscode.l10n.t('Removing stopped containers'), (signal) =>
      client.pruneContainers({ signal }),
    );
    const msg = vscode.l10n.t(
      'Removed {0} containers, freed {1}.',
      r.removed.length,
      m.humanSize(r.spaceReclaimed),
    );
    svc.log.info(msg);
    void vscode.window.showInformationMessage(msg);
    return r;
  },
};
