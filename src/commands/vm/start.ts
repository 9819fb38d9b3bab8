import * as vscode from 'vscode';
import { vmAction } from './lifecycle';

export const startVm = vmAction(
  'podvisor.vm.start',
  ['stopped'],
  (n) => vscode.l10n.t('Starting VM {0}…', n),
  async (_svc, store, name, signal) => {
    await store.start(name, { signal });
  },
);
