import * as vscode from 'vscode';
import { vmAction } from './lifecycle';

export const resumeVm = vmAction(
  'podvisor.vm.resume',
  ['paused'],
  (n) => vscode.l10n.t('Resuming VM {0}…', n),
  (_svc, store, name) => store.resume(name),
);
