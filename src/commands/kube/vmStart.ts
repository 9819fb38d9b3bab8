import * as vscode from 'vscode';
import { vmActionCommand } from './vmLifecycle';

export const kubeVmStart = vmActionCommand('podvisor.kube.vm.start', 'start', (n) =>
  vscode.l10n.t('Starting {0}…', n),
);
