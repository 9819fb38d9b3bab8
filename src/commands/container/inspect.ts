import * as vscode from 'vscode';
import type { Command } from '../command';
import { InspectProvider } from '../../tree/containers/inspectProvider';
import { containerTargets } from './targets';

export const inspectContainer: Command = {
  id: 'podvisor.container.inspect',
  async execute(svc, ...args) {
    const [c] = await containerTargets(svc, args, () => true, vscode.l10n.t('Container to inspect'));
    const doc = await vscode.workspace.openTextDocument(InspectProvider.uri('container', c.id, c.name));
    await vscode.languages.setTextDocumentLanguage(doc, 'json');
    await vscode.window.showTextDocument(doc, { preview: true });
    return doc;
  },
};
