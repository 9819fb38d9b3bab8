import * as vscode from 'vscode';
import type { Command } from '../command';
import { InspectProvider } from '../../tree/containers/inspectProvider';
import { imageName, imageTarget } from './targets';

export const inspectImage: Command = {
  id: 'podvisor.image.inspect',
  async execute(svc, ...args) {
    const img = await imageTarget(svc, args, vscode.l10n.t('Image to inspect'));
    const doc = await vscode.workspace.openTextDocument(InspectProvider.uri('image', img.id, imageName(img)));
    await vscode.languages.setTextDocumentLanguage(doc, 'json');
    await vscode.window.showTextDocument(doc, { preview: true });
    return doc;
  },
};
