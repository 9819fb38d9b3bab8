import * as vscode from 'vscode';
import { vmAction } from './lifecycle';

export const pauseVm = vmAction(
  'podvisor.vm.pause',
  ['running'],
  (n) => vscode.l10n.t('Pausing VM {0}…', n),
  (_svc, store, name) => store.pause(name),
);
