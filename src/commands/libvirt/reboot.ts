import * as vscode from 'vscode';
import { lifecycleCommand } from './lifecycle';

export const rebootDomain = lifecycleCommand('podvisor.libvirt.reboot', 'reboot', ['running'], (n) =>
  vscode.l10n.t('Rebooting {0}…', n),
);
