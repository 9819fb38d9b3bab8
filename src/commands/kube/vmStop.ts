import * as vscode from 'vscode';
import { vmActionCommand } from './vmLifecycle';

export const kubeVmStop = vmActionCommand('podvisor.kube.vm.stop', 'stop', (n) =>
  vscode.l10n.t('Stopping {0}…', n),
);
