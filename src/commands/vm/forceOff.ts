import * as vscode from 'vscode';
import { vmAction } from './lifecycle';

export const forceOffVm = vmAction(
  'podvisor.vm.forceOff',
  ['running', 'paused', 'stopping', 'starting'],
  (n) => vscode.l10n.t('Forcing VM {0} off…', n),
  (_svc, store, name) => store.forceOff(name),
);
