import * as vscode from 'vscode';
import type { Command } from '../command';
import { withProgress } from '../../host/progress';
import { throwIfAborted } from '../../common/errors';
import { mayHoldManifest } from '../../language/manifestLanguage';
import { positionsOf, toDiagnostic } from '../../language/convert';

export interface WorkspaceValidation {
  files: number;
  manifests: number;
  errors: number;
  warnings: number;
  others: number;
}

const GLOB = '**/*.{yaml,yml}';
const EXCLUDE = '{**/node_modules/**,**/.git/**,**/.cache/**,**/dist/**,**/out/**}';

/** Validates every YAML manifest of the workspace into the Problems panel (open editors' text wins). */
export const validateWorkspaceManifests: Command = {
  id: 'podvisor.manifest.validateWorkspace',
  async execute(svc): Promise<WorkspaceValidation> {
    const lang = svc.manifests;
    const result: WorkspaceValidation = { files: 0, manifests: 0, errors: 0, warnings: 0, others: 0 };
    await withProgress(vscode.l10n.t('Validating manifests in the workspace'), async (signal, report) => {
      const files = await vscode.workspace.findFiles(GLOB, EXCLUDE, 20_000);
      result.files = files.length;
      const open = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), d]));
      let done = 0;
      for (const uri of files) {
        throwIfAborted(signal);
        const key = uri.toString();
        const doc = open.get(key);
        let text: string;
        try {
          text = doc ? doc.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
        } catch (e) {
          svc.log.warn(`validate workspace: cannot read ${uri.fsPath}: ${String(e)}`);
          continue;
        }
        if (++done % 50 === 0)
          report(vscode.l10n.t('{0} of {1} files', done, files.length), (50 / files.length) * 100);
        if (!mayHoldManifest(text)) continue;
        let found: vscode.Diagnostic[];
        let recognised: boolean;
        if (doc) {
          found = lang.publish(doc);
          recognised = lang.isManifest(doc);
        } else {
          const r = lang.validateText(uri, text);
          found = r.diagnostics.map((d) => toDiagnostic(positionsOf(text), d));
          recognised = r.recognised;
          lang.collection.set(uri, found);
          lang.workspaceResults.add(key);
        }
        if (recognised) result.manifests++;
        for (const d of found) {
          if (d.severity === vscode.DiagnosticSeverity.Error) result.errors++;
          else if (d.severity === vscode.DiagnosticSeverity.Warning) result.warnings++;
          else result.others++;
        }
        // Let the extension host breathe between files.
        if (done % 20 === 0) await new Promise((r) => setImmediate(r));
      }
    });
    svc.log.info(`validate workspace: ${JSON.stringify(result)}`);
    const msg = vscode.l10n.t(
      'Validated {0} manifest file(s): {1} error(s), {2} warning(s).',
      result.manifests,
      result.errors,
      result.warnings,
    );
    if (result.errors + result.warnings > 0) {
      void vscode.window.showWarningMessage(msg);
      void vscode.commands.executeCommand('workbench.actions.view.problems');
    } else void vscode.window.showInformationMessage(msg);
    return result;
  },
};
