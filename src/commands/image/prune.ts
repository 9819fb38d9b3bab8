import * as vscode from 'vscode';
import { CancelledError } from '../../common/errors';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { engineTarget } from '../docker/engineTarget';

/** Prune Images: dangling images (untagged, unused) of one engine. A test passes `{ confirmed: true }` third. */
export const pruneImages: Command = {
  id: 'podvisor.image.prune',
  async execute(svc, ...args) {
    const engine = await engineTarget(svc, args[0], vscode.l10n.t('Engine whose dangling images to remove'));
    if ((args[2] as { confirmed?: boolean } | undefined)?.confirmed !== true) {
      const remove = vscode.l10n.t('Remove');
      const pick = await vscode.window.showWarningMessage(
        vscode.l10n.t('Remove every dangling image on {0}?', engine.label),
        { modal: true },
        remove,
      );
      if (pick !== remove) throw new CancelledError();
    }
    const m = svc.containers.module();
    const client = await engine.client();
    const r = await withProgress(vscode.l10n.t('Removing dangling images'), (signal) =>
      m.pruneImages(client, { signal }),
    );
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Removed {0} images, freed {1}.', r.deleted.length, m.humanSize(r.spaceReclaimed)),
    );
    await engine.refresh();
    return r;
  },
};
