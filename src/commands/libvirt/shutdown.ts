import * as vscode from 'vscode';
import { lifecycleCommand } from './lifecycle';

/** ACPI shutdown: the guest decides; the state changes when it has powered off (an event). */
export const shutdownDomain = lifecycleCommand(
  'podvisor.libvirt.shutdown',
  'shutdown',
  ['running', 'paused'],
  (n) => vscode.l10n.t('Asking {0} to shut down…', n),
);
