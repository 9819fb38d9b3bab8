import * as vscode from 'vscode';
import type { Command } from '../command';
import { describeDoc, manifestTarget } from './target';

export interface ValidateResult {
  errors: number;
  warnings: number;
  others: number;
}

/**
 * Validates the file now (no debounce) and says what it found — for the document the CodeLens
 * sits on, or the whole file from the palette; the Problems panel opens when there is something.
 */
export const validateManifest: Command = {
  id: 'podvisor.manifest.validate',
  async execute(svc, uri?: unknown, index?: unknown): Promise<ValidateResult> {
    const t = await manifestTarget(svc, uri, index, false);
    const all = svc.manifests.publish(t.doc);
    const inDoc =
      typeof index === 'number' && t.parsed
        ? all.filter((d) => {
            const o = t.doc.offsetAt(d.range.start);
            return o >= t.parsed!.slice.start && o < Math.max(t.parsed!.slice.end, t.parsed!.slice.start + 1);
          })
        : all;
    const r: ValidateResult = {
      errors: inDoc.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length,
      warnings: inDoc.filter((d) => d.severity === vscode.DiagnosticSeverity.Warning).length,
      others: inDoc.filter((d) => d.severity > vscode.DiagnosticSeverity.Warning).length,
    };
    const what =
      typeof index === 'number' ? describeDoc(t.parsed) : vscode.workspace.asRelativePath(t.doc.uri);
    if (r.errors + r.warnings + r.others === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('{0}: no problems found.', what));
    } else {
      void vscode.window.showWarningMessage(
        vscode.l10n.t(
          '{0}: {1} error(s), {2} warning(s), {3} other finding(s).',
          what,
          r.errors,
          r.warnings,
          r.others,
        ),
      );
      void vscode.commands.executeCommand('workbench.actions.view.problems');
    }
    return r;
  },
};
