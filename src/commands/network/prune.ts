import * as vscode from 'vscode';
import { CancelledError } from '../../common/errors';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { engineTarget } from '../docker/engineTarget';

/** Prune Networks: every unused one of one engine. A test passes `{ confirmed: true, labels }` third. */
export const pruneNetworks: Command = {
  id: 'podvisor.network.prune',
  async execute(svc, ...args) {
    const engine = await engineTarget(svc, args[0], vscode.l10n.t('Engine whose unused networks to remove'));
    const opts = args[2] as { confirmed?: boolean; labels?: string[] } | undefined;
    if (opts?.confirmed !== true) {
      const remove = vscode.l10n.t('Remove');
      const pick = await vscode.window.showWarningMessage(
        vscode.l10n.t('Remove every unused network on {0}?', engine.label),
        { modal: true },
        remove,
      );
      if (pick !== remove) throw new CancelledError();
    }
    const client = await engine.client();
    const r = await withProgress(vscode.l10n.t('Removing unused networks'), (signal) =>
      svc.containers.module().pruneNetworks(client, { signal, labels: opts?.labels }),
    );
    void vscode.window.showInformationMessage(vscode.l10n.t('Removed {0} networks.', r.removed.length));
    engine.refreshResources();
    return r;
  },
};
