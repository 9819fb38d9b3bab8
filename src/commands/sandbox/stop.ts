import * as vscode from 'vscode';
import type { Command } from '../command';
import { withProgress } from '../../host/progress';
import { requireTrust, targetSandbox } from './common';

export const stopSandbox: Command = {
  id: 'podvisor.sandbox.stop',
  async execute(svc, arg?: unknown) {
    requireTrust();
    const sb = await targetSandbox(svc, arg);
    const name = sb.name;
    await withProgress(vscode.l10n.t('Stopping sandbox {0}', name), () => svc.sandboxes.backend().stop(sb));
    await svc.sandboxes.refresh();
  },
};
