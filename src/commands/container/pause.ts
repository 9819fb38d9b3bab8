import * as vscode from 'vscode';
import { lifecycleCommand } from './action';

export const pauseContainer = lifecycleCommand(
  'podvisor.container.pause',
  'pause',
  (c) => c.state === 'running',
  (n) => vscode.l10n.t('Pausing {0}', n),
  vscode.l10n.t('Container to pause'),
);
