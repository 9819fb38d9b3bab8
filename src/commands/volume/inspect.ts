import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import { VolumeNode } from '../../tree/containers/resourceNodes';
import type { Command } from '../command';
import { engineTarget } from '../docker/engineTarget';

/** Inspect Volume: the engine's JSON in a read-only document. */
export const inspectVolume: Command = {
  id: 'podvisor.volume.inspect',
  async execute(svc, ...args) {
    const [node] = args;
    if (!(node instanceof VolumeNode)) throw new UserError(vscode.l10n.t('Pick a volume in the view.'));
    const engine = await engineTarget(svc, node, '');
    const data = await svc.containers.module().inspectVolumeRaw(await engine.client(), node.info.name);
    const doc = await vscode.workspace.openTextDocument({
      content: `${JSON.stringify(data, null, 2)}\n`,
      language: 'json',
    });
    await vscode.window.showTextDocument(doc, { preview: true });
    return doc;
  },
};
