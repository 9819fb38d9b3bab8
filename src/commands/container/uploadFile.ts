import * as path from 'path';
import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../common/errors';
import { FILES_SCHEME } from '../../tree/containers/files';
import type { Command } from '../command';

/** Upload: local files into a container's folder (Explorer, podvisor-container:). A test passes local paths second. */
export const uploadContainerFile: Command = {
  id: 'podvisor.container.uploadFile',
  async execute(_svc, ...args) {
    const [dir, given] = args;
    if (!(dir instanceof vscode.Uri) || dir.scheme !== FILES_SCHEME)
      throw new UserError(vscode.l10n.t('Pick a folder of a container in the Explorer.'));
    const sources = Array.isArray(given)
      ? given.filter((x): x is string => typeof x === 'string').map((p) => vscode.Uri.file(p))
      : await vscode.window.showOpenDialog({ canSelectMany: true, title: vscode.l10n.t('Files to upload') });
    if (!sources?.length) throw new CancelledError();
    const out: vscode.Uri[] = [];
    for (const s of sources) {
      const to = vscode.Uri.joinPath(dir, path.basename(s.fsPath));
      await vscode.workspace.fs.copy(s, to, { overwrite: true });
      out.push(to);
    }
    return out;
  },
};
