import * as vscode from 'vscode';
import type { Command } from '../command';
import { withProgress } from '../../host/progress';
import { requireTrust, targetSandbox } from './common';

/** Restarts the sandbox and runs its postStartCommand (postCreateCommand only ever runs once). */
export const restartSandbox: Command = {
  id: 'podvisor.sandbox.restart',
  async execute(svc, arg?: unknown) {
    requireTrust();
    const sb = await targetSandbox(svc, arg);
    const name = sb.name;
    const r = await withProgress(vscode.l10n.t('Restarting sandbox {0}', name), (signal, report) =>
      svc.sandboxes.backend().restart(sb, { log: svc.log, signal, report: (p, m) => report(`${p}: ${m}`) }),
    );
    await svc.sandboxes.refresh();
    return r;
  },
};
