import * as vscode from 'vscode';
import type { Command } from '../command';
import { openSessionTerminal } from '../../tree/containers/terminal';
import { containerTargets, isRunning } from './targets';

export const containerShell: Command = {
  id: 'podvisor.container.shell',
  async execute(svc, ...args) {
    const [c] = await containerTargets(
      svc,
      args,
      isRunning,
      vscode.l10n.t('Running container to open a shell in'),
    );
    const client = await c.engine.client();
    const m = svc.containers.module();
    return openSessionTerminal(
      vscode.l10n.t('Shell: {0}', c.name),
      (dims) => m.openShell(client, c.id, dims),
      true,
    );
  },
};
