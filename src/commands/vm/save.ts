import * as vscode from 'vscode';
import { vmAction } from './lifecycle';

/** Saves the VM's memory to its folder and stops QEMU: the next Start resumes the running guest. */
export const saveVm = vmAction(
  'podvisor.vm.save',
  ['running', 'paused'],
  (n) => vscode.l10n.t('Saving VM {0}…', n),
  (_svc, store, name, signal) => store.save(name, signal),
);
