import * as vscode from 'vscode';
import { lifecycleCommand } from './action';

export const stopContainer = lifecycleCommand(
  'podvisor.container.stop',
  'stop',
  (c) => c.state === 'running' || c.state === 'restarting' || c.state === 'paused',
  (n) => vscode.l10n.t('Stopping {0}', n),
  vscode.l10n.t('Container to stop'),
);
