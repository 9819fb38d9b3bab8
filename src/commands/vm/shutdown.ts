import * as vscode from 'vscode';
import { vmAction } from './lifecycle';

/** ACPI power button; if the guest ignores it, offer to force the VM off. */
export const shutdownVm = vmAction(
  'podvisor.vm.shutdown',
  ['running', 'paused'],
  (n) => vscode.l10n.t('Shutting down VM {0}…', n),
  async (svc, store, name) => {
    const timeout = svc.settings.current.vm.shutdownTimeoutSec;
    if (await store.shutdown(name, timeout * 1000)) return;
    const force = vscode.l10n.t('Force Off');
    const pick = await vscode.window.showWarningMessage(
      vscode.l10n.t(
        'VM {0} did not shut down within {1} s (the guest may ignore the ACPI power button).',
        name,
        timeout,
      ),
      force,
    );
    if (pick === force) await store.forceOff(name);
  },
);
