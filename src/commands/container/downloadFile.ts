import * as path from 'path';
import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../common/errors';
import { FILES_SCHEME } from '../../tree/containers/files';
import type { Command } from '../command';

/** Download: a file of a container (Explorer, podvisor-container:) to a local file. A test passes the local path second. */
export const downloadContainerFile: Command = {
  id: 'podvisor.container.downloadFile',
  async execute(_svc, ...args) {
    const [src, dest] = args;
    if (!(src instanceof vscode.Uri) || src.scheme !== FILES_SCHEME)
      throw new UserError(vscode.l10n.t('Pick a file of a container in the Explorer.'));
    const target =
      typeof dest === 'string'
        ? vscode.Uri.file(dest)
        : await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.posix.basename(src.path)) });
    if (!target) throw new CancelledError();
    await vscode.workspace.fs.copy(src, target, { overwrite: true });
    return target;
  },
};
