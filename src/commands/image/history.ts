import * as vscode from 'vscode';
import type { Command } from '../command';
import { imageName, imageTarget } from './targets';

/** Image History: its layers (what made each, size) in a read-only document. */
export const imageHistory: Command = {
  id: 'podvisor.image.history',
  async execute(svc, ...args) {
    const img = await imageTarget(svc, args, vscode.l10n.t('Image whose history to show'));
    const m = svc.containers.module();
    const rows = await m.imageHistory(await img.engine.client(), img.id);
    const lines = rows.map(
      (r) =>
        `${(r.id === '<missing>' ? '<missing>' : r.id.replace(/^sha256:/, '').slice(0, 12)).padEnd(12)}  ${m.humanSize(r.size).padStart(8)}  ${r.created ? new Date(r.created).toISOString().slice(0, 19) : ''.padEnd(19)}  ${r.createdBy.replace(/\s+/g, ' ')}`,
    );
    const doc = await vscode.workspace.openTextDocument({
      content: `# ${imageName(img)}\n# layer         size  created              created by\n${lines.join('\n')}\n`,
      language: 'plaintext',
    });
    await vscode.window.showTextDocument(doc, { preview: true });
    return rows;
  },
};
