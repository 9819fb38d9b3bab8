import * as vscode from 'vscode';
import { lifecycleCommand } from './lifecycle';

/** Force off (virsh destroy): like pulling the plug, so it asks first. The domain stays defined. */
export const destroyDomain = lifecycleCommand(
  'podvisor.libvirt.destroy',
  'destroy',
  ['running', 'paused', 'unknown'],
  (n) => vscode.l10n.t('Forcing {0} off…', n),
  (n) => ({
    message: vscode.l10n.t(
      'Force off "{0}"? The guest gets no chance to shut down; unsaved data in it is lost. The domain stays defined.',
      n,
    ),
    button: vscode.l10n.t('Force Off'),
  }),
);
