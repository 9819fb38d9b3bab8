import * as vscode from 'vscode';
import type { Command } from '../command';
import { CancelledError } from '../../common/errors';
import { withProgress } from '../../host/progress';
import { applyManifest, currentContext, requireKubectl } from './kubectl';
import { describeDoc, manifestTarget } from './target';

/**
 * `kubectl apply` of one document (the CodeLens's, or the one under the cursor) to the current
 * context, after a confirmation that names the context. Without kubectl or a context it stops
 * with an error that says which is missing and what to do.
 */
export const applyManifestToCluster: Command = {
  id: 'podvisor.manifest.applyToCluster',
  async execute(svc, uri?: unknown, index?: unknown): Promise<string> {
    const t = await manifestTarget(svc, uri, index, true);
    const p = t.parsed!;
    const kubectl = requireKubectl();
    const context = await currentContext(kubectl);
    const what = describeDoc(p);
    const errors = svc.manifests.publish(t.doc).filter((d) => {
      const o = t.doc.offsetAt(d.range.start);
      return d.severity === vscode.DiagnosticSeverity.Error && o >= p.slice.start && o < p.slice.end;
    });
    const apply = vscode.l10n.t('Apply');
    const question = errors.length
      ? vscode.l10n.t(
          '{0} has {1} error(s). Apply it to cluster context "{2}" anyway?',
          what,
          errors.length,
          context,
        )
      : vscode.l10n.t('Apply {0} to cluster context "{1}"?', what, context);
    const pick = await vscode.window.showWarningMessage(question, { modal: true }, apply);
    if (pick !== apply) throw new CancelledError();
    // The document's own text (without the `---` marker), exactly as in the editor.
    const text = t.doc
      .getText()
      .slice(p.slice.start, p.slice.end)
      .replace(/^---[^\n]*\n/, '');
    const out = await withProgress(vscode.l10n.t('Applying {0} to {1}', what, context), (signal) =>
      applyManifest(kubectl, context, text, signal),
    );
    svc.log.info(`kubectl apply (${context}): ${out}`);
    void vscode.window.showInformationMessage(out || vscode.l10n.t('{0} applied to {1}.', what, context));
    return out;
  },
};
