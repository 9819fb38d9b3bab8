import * as vscode from 'vscode';
import { containerUri } from '../../tree/containers/files';
import type { Command } from '../command';
import { containerTargets } from './targets';

/**
 * Browse Files: the container's root as a folder of the Explorer (appended, so the workspace's
 * first folder and the running extensions stay as they are). Running or stopped.
 */
export const browseContainerFiles: Command = {
  id: 'podvisor.container.browseFiles',
  async execute(svc, ...args) {
    const [c] = await containerTargets(
      svc,
      args,
      () => true,
      vscode.l10n.t('Container whose files to browse'),
    );
    const uri = containerUri(c.engine.key, c.id, '/');
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (!folders.some((f) => f.uri.toString() === uri.toString())) {
      const added = new Promise<void>((resolve) => {
        const sub = vscode.workspace.onDidChangeWorkspaceFolders(() => {
          sub.dispose();
          resolve();
        });
      });
      if (
        vscode.workspace.updateWorkspaceFolders(folders.length, 0, {
          uri,
          name: vscode.l10n.t('{0} (container)', c.name),
        })
      )
        await added;
    }
    await vscode.commands.executeCommand('workbench.view.explorer');
    return uri;
  },
};
