import * as vscode from 'vscode';
import { lifecycleCommand } from './lifecycle';

export const resumeDomain = lifecycleCommand('podvisor.libvirt.resume', 'resume', ['paused'], (n) =>
  vscode.l10n.t('Resuming {0}…', n),
);
