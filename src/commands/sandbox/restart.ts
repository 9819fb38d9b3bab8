import * as vscode from 'vscode';
import type { Command } from '../command';
import { withProgress } from '../../host/progress';
import { nameOf, requireTrust } from './common';

/** Restarts the sandbox and runs its postStartCommand (postCreateCommand only ever runs once). */
export const restartSandbox: Command = {
  id: 'podvisor.sandbox.restart',
  async execute(svc, arg?: unknown) {
    requireTrust();
    const name = nameOf(svc, arg);
    const r = await withProgress(vscode.l10n.t('Restarting sandbox {0}', name), (signal, report) =>
      svc.sandboxes.manager.restart(name, { log: svc.log, signal, report: (p, m) => report(`${p}: ${m}`) }),
    );
    await svc.sandboxes.refresh();
    return r;
  },
};
