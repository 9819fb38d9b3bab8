import * as vscode from 'vscode';
import { CancelledError } from '../../common/errors';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { imageName, imageTarget } from './targets';

export const removeImage: Command = {
  id: 'podvisor.image.remove',
  async execute(svc, ...args) {
    const img = await imageTarget(svc, args, vscode.l10n.t('Image to remove'));
    const name = imageName(img);
    const confirmed = (args[2] as { confirmed?: boolean } | undefined)?.confirmed === true;
    if (!confirmed) {
      const remove = vscode.l10n.t('Remove');
      const pick = await vscode.window.showWarningMessage(
        vscode.l10n.t('Remove image {0}?', name),
        {
          modal: true,
          detail:
            img.repoTags.length > 1
              ? vscode.l10n.t('Only this tag is removed; the image keeps its other tags.')
              : undefined,
        },
        remove,
      );
      if (pick !== remove) throw new CancelledError();
    }
    const client = await img.engine.client();
    // By tag when it has one (removes that tag only, like `docker rmi repo:tag`), else by id.
    await withProgress(vscode.l10n.t('Removing image {0}', name), (signal) =>
      client.removeImage(img.repoTags[0] ?? img.id, { signal }),
    );
  },
};
