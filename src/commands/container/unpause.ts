import * as vscode from 'vscode';
import { lifecycleCommand } from './action';

export const unpauseContainer = lifecycleCommand(
  'podvisor.container.unpause',
  'unpause',
  (c) => c.state === 'paused',
  (n) => vscode.l10n.t('Resuming {0}', n),
  vscode.l10n.t('Container to resume'),
);
