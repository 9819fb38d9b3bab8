import * as vscode from 'vscode';
import type { Services } from '../host/services';

/** The file names Compose itself looks for (and `*.compose.yaml` variants). */
export const COMPOSE_FILES = '**/{compose,docker-compose}*.{yml,yaml}';

/**
 * CodeLens on a Compose file: Up, Up Services…, Down, Restart, Logs — the same commands as the
 * tree, given the file's URI. Only files that have a top-level `services:` get them.
 */
class ComposeLens implements vscode.CodeLensProvider {
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const text = doc.getText();
    const m = /^services\s*:/m.exec(text);
    if (!m) return [];
    const range = doc.lineAt(doc.positionAt(m.index).line).range;
    const lens = (title: string, command: string) =>
      new vscode.CodeLens(range, { title, command, arguments: [doc.uri] });
    return [
      lens(vscode.l10n.t('$(play) Up'), 'podvisor.compose.up'),
      lens(vscode.l10n.t('Up Services…'), 'podvisor.compose.upServices'),
      lens(vscode.l10n.t('$(debug-stop) Down'), 'podvisor.compose.down'),
      lens(vscode.l10n.t('$(debug-restart) Restart'), 'podvisor.compose.restart'),
      lens(vscode.l10n.t('$(output) Logs'), 'podvisor.compose.logs'),
    ];
  }
}

export function registerComposeLens(_svc: Services): vscode.Disposable[] {
  return [vscode.languages.registerCodeLensProvider({ pattern: COMPOSE_FILES }, new ComposeLens())];
}
