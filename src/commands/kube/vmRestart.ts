import * as vscode from 'vscode';
import { vmActionCommand } from './vmLifecycle';

export const kubeVmRestart = vmActionCommand('podvisor.kube.vm.restart', 'restart', (n) =>
  vscode.l10n.t('Restarting {0}…', n),
);
