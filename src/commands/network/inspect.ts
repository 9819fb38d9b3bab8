import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import { NetworkNode } from '../../tree/containers/resourceNodes';
import type { Command } from '../command';
import { engineTarget } from '../docker/engineTarget';

/** Inspect Network: the engine's JSON in a read-only document. */
export const inspectNetwork: Command = {
  id: 'podvisor.network.inspect',
  async execute(svc, ...args) {
    const [node] = args;
    if (!(node instanceof NetworkNode)) throw new UserError(vscode.l10n.t('Pick a network in the view.'));
    const engine = await engineTarget(svc, node, '');
    const data = await svc.containers.module().inspectNetworkRaw(await engine.client(), node.info.name);
    const doc = await vscode.workspace.openTextDocument({
      content: `${JSON.stringify(data, null, 2)}\n`,
      language: 'json',
    });
    await vscode.window.showTextDocument(doc, { preview: true });
    return doc;
  },
};
