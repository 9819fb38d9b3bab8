import * as vscode from 'vscode';
import { vmActionCommand } from './vmLifecycle';

export const kubeVmPause = vmActionCommand('podvisor.kube.vm.pause', 'pause', (n) =>
  vscode.l10n.t('Pausing {0}…', n),
);
