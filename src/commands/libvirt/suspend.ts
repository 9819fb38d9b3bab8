import * as vscode from 'vscode';
import { lifecycleCommand } from './lifecycle';

export const suspendDomain = lifecycleCommand('podvisor.libvirt.suspend', 'suspend', ['running'], (n) =>
  vscode.l10n.t('Pausing {0}…', n),
);
