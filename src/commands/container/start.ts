import * as vscode from 'vscode';
import { lifecycleCommand } from './action';
import { isStopped } from './targets';

export const startContainer = lifecycleCommand(
  'podvisor.container.start',
  'start',
  isStopped,
  (n) => vscode.l10n.t('Starting {0}', n),
  vscode.l10n.t('Container to start'),
);
