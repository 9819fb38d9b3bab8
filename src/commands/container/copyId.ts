import * as vscode from 'vscode';
import type { Command } from '../command';
import { containerTargets } from './targets';

export const copyContainerId: Command = {
  id: 'podvisor.container.copyId',
  async execute(svc, ...args) {
    const targets = await containerTargets(
      svc,
      args,
      () => true,
      vscode.l10n.t('Container whose id to copy'),
    );
    await vscode.env.clipboard.writeText(targets.map((c) => c.id).join('\n'));
  },
};
