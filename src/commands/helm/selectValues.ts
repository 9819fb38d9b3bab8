import * as path from 'path';
import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import type { Command } from '../command';

/**
 * Picks the values file a chart is rendered with (besides its own values.yaml), for the chart of
 * the argument or the active editor; "Chart's values only" clears it. Re-renders the chart.
 */
export const selectHelmValues: Command = {
  id: 'podvisor.helm.selectValues',
  async execute(svc, uriArg?: unknown, fileArg?: unknown) {
    const uri = uriArg instanceof vscode.Uri ? uriArg : vscode.window.activeTextEditor?.document.uri;
    const chart = uri ? svc.manifests.helm.chartOf(uri) : undefined;
    if (!chart)
      throw new UserError(vscode.l10n.t('Open a file of a Helm chart (a folder with Chart.yaml) first.'));
    let file: string | undefined;
    if (fileArg instanceof vscode.Uri) file = fileArg.fsPath;
    else if (typeof fileArg === 'string') file = fileArg || undefined;
    else {
      const found = await vscode.workspace.findFiles(
        new vscode.RelativePattern(path.dirname(chart), '**/*values*.{yaml,yml}'),
        '**/node_modules/**',
        200,
      );
      const own = path.join(chart, 'values.yaml');
      const items = [
        { label: vscode.l10n.t("Chart's values only"), file: '' },
        ...found
          .map((u) => u.fsPath)
          .filter((f) => f !== own)
          .map((f) => ({ label: vscode.workspace.asRelativePath(f), file: f })),
      ];
      const pick = await vscode.window.showQuickPick(items, {
        placeHolder: vscode.l10n.t('Values file for {0}', path.basename(chart)),
      });
      if (!pick) return undefined;
      file = pick.file || undefined;
    }
    await svc.manifests.helm.setValuesFile(chart, file);
    return file;
  },
};
