import * as vscode from 'vscode';
import { vmActionCommand } from './vmLifecycle';

export const kubeVmMigrate = vmActionCommand('podvisor.kube.vm.migrate', 'migrate', (n) =>
  vscode.l10n.t('Migrating {0}…', n),
);
