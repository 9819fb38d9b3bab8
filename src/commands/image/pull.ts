import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../common/errors';
import { withProgress } from '../../host/progress';
import { TagNode } from '../../tree/registries/section';
import { engineAuth } from '../../tree/registries/credentials';
import type { Command } from '../command';
import { engineTarget } from '../docker/engineTarget';

/** Pull Image: a reference typed (or given), or a tag of the Registries group, into an engine. */
export const pullImage: Command = {
  id: 'podvisor.image.pull',
  async execute(svc, ...args) {
    const m = svc.containers.module();
    const [first, opts] = args;
    const ref =
      first instanceof TagNode
        ? first.reference
        : typeof first === 'string'
          ? first
          : await vscode.window.showInputBox({
              title: vscode.l10n.t('Image to pull'),
              placeHolder: 'registry.example:5000/team/app:1.0',
              validateInput: (v) =>
                m.parseImageReference(v) ? undefined : vscode.l10n.t('Not an image reference'),
            });
    if (!ref) throw new CancelledError();
    const parsed = m.parseImageReference(ref);
    if (!parsed) throw new UserError(vscode.l10n.t('Not an image reference: {0}', ref));
    const engine = await engineTarget(
      svc,
      (opts as { engine?: string } | undefined)?.engine,
      vscode.l10n.t('Engine to pull into'),
    );
    const auth = parsed.registry ? await engineAuth(svc, parsed.registry) : undefined;
    const client = await engine.client();
    await withProgress(vscode.l10n.t('Pulling {0}', ref), (signal, report) =>
      m.pullImage(client, ref, {
        auth,
        signal,
        onProgress: (p) => report(`${p.id ? `${p.id}: ` : ''}${p.status}`),
      }),
    );
    await engine.refresh();
    return ref;
  },
};
