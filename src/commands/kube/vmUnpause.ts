import * as vscode from 'vscode';
import { vmActionCommand } from './vmLifecycle';

export const kubeVmUnpause = vmActionCommand('podvisor.kube.vm.unpause', 'unpause', (n) =>
  vscode.l10n.t('Unpausing {0}…', n),
);
