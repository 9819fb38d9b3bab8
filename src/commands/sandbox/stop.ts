import * as vscode from 'vscode';
import type { Command } from '../command';
import { withProgress } from '../../host/progress';
import { nameOf, requireTrust } from './common';

export const stopSandbox: Command = {
  id: 'podvisor.sandbox.stop',
  async execute(svc, arg?: unknown) {
    requireTrust();
    const name = nameOf(svc, arg);
    await withProgress(vscode.l10n.t('Stopping sandbox {0}', name), () => svc.sandboxes.manager.stop(name));
    await svc.sandboxes.refresh();
  },
};
