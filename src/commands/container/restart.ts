import * as vscode from 'vscode';
import { lifecycleCommand } from './action';

export const restartContainer = lifecycleCommand(
  'podvisor.container.restart',
  'restart',
  (c) => c.state !== 'removing',
  (n) => vscode.l10n.t('Restarting {0}', n),
  vscode.l10n.t('Container to restart'),
);
