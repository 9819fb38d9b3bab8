import * as path from 'path';
import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';

/**
 * "Preview Kustomize Build": `kubectl kustomize` of the kustomization's folder (the argument, or
 * the active editor's), shown read-only and validated; each diagnostic links to the source file
 * of the object it is on.
 */
export const previewKustomizeBuild: Command = {
  id: 'podvisor.kustomize.preview',
  async execute(svc, uriArg?: unknown) {
    const uri = uriArg instanceof vscode.Uri ? uriArg : vscode.window.activeTextEditor?.document.uri;
    if (!uri || uri.scheme !== 'file')
      throw new UserError(
        vscode.l10n.t('Open a kustomization.yaml (or a file in its folder) to preview its build.'),
      );
    const m = svc.manifests.engineModule();
    const dir = m.nodeFiles.stat(uri.fsPath) === 'dir' ? uri.fsPath : path.dirname(uri.fsPath);
    if (!m.kustomizationIn(m.nodeFiles, dir))
      throw new UserError(
        vscode.l10n.t('{0} has no kustomization.yaml.', vscode.workspace.asRelativePath(dir)),
      );
    const kubectl = m.locateKubectl(process.env.PODVISOR_KUBECTL || undefined);
    if (!kubectl)
      throw new UserError(
        vscode.l10n.t(
          'kubectl not found on PATH: install kubectl (it has kustomize built in) to preview a build.',
        ),
      );
    const build = await withProgress(vscode.l10n.t('kubectl kustomize {0}', path.basename(dir)), (signal) =>
      m.kustomizeBuild({ kubectl, dir, signal }),
    );
    svc.log.info(`kubectl kustomize ${dir}: ${build.origins.length} object(s) in ${build.ms.toFixed(0)} ms`);
    const name = `${vscode.workspace.asRelativePath(dir).replace(/[\\/]/g, '_')}.kustomize-build.yaml`;
    return svc.manifests.rendered.show(name, build.text, build.origins);
  },
};
