import * as vscode from 'vscode';
import type { Command } from '../command';
import { openSessionTerminal } from '../../tree/containers/terminal';
import { containerTargets } from './targets';

export const containerLogs: Command = {
  id: 'podvisor.container.logs',
  async execute(svc, ...args) {
    const [c] = await containerTargets(
      svc,
      args,
      () => true,
      vscode.l10n.t('Container whose logs to follow'),
    );
    const client = await c.engine.client();
    const m = svc.containers.module();
    const tail = svc.settings.current.docker.logsTail;
    return openSessionTerminal(
      vscode.l10n.t('Logs: {0}', c.name),
      () => m.followLogs(client, c.id, { tail }),
      false,
    );
  },
};
