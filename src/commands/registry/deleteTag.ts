import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../common/errors';
import { withProgress } from '../../host/progress';
import { TagNode } from '../../tree/registries/section';
import type { Command } from '../command';

/**
 * Delete Tag: the registry deletes manifests by digest, so every tag on that digest goes with it;
 * the confirmation says which. A test passes `{ confirmed: true }` as the second argument.
 */
export const deleteRegistryTag: Command = {
  id: 'podvisor.registry.deleteTag',
  async execute(svc, ...args) {
    const [node, opts] = args;
    if (!(node instanceof TagNode)) throw new UserError(vscode.l10n.t('Pick a tag in the Registries group.'));
    const client = svc.registries.client(node.registry);
    const { digest, others } = await client.tagsSharingDigest(node.repository, node.tag);
    if ((opts as { confirmed?: boolean } | undefined)?.confirmed !== true) {
      const del = vscode.l10n.t('Delete');
      const pick = await vscode.window.showWarningMessage(
        vscode.l10n.t('Delete {0} from {1}?', node.reference, node.registry.name),
        {
          modal: true,
          detail: others.length
            ? vscode.l10n.t('These tags point at the same image and go too: {0}', others.join(', '))
            : vscode.l10n.t('This cannot be undone.'),
        },
        del,
      );
      if (pick !== del) throw new CancelledError();
    }
    await withProgress(vscode.l10n.t('Deleting {0}', node.reference), (signal) =>
      client.deleteManifest(node.repository, digest, { signal }),
    );
    await svc.registries.refresh();
    return { digest, others };
  },
};
