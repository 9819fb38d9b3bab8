import * as vscode from 'vscode';
import { lifecycleCommand } from './lifecycle';

export const startDomain = lifecycleCommand('podvisor.libvirt.start', 'start', ['shutoff'], (n) =>
  vscode.l10n.t('Starting {0}…', n),
);
