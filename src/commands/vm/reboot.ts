import * as vscode from 'vscode';
import { vmAction } from './lifecycle';

export const rebootVm = vmAction(
  'podvisor.vm.reboot',
  ['running'],
  (n) => vscode.l10n.t('Resetting VM {0}…', n),
  (_svc, store, name) => store.reboot(name),
);
