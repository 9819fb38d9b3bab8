import * as vscode from 'vscode';
import type { Command } from '../command';
import { containerTargets } from './targets';

export const copyContainerName: Command = {
  id: 'podvisor.container.copyName',
  async execute(svc, ...args) {
    const targets = await containerTargets(
      svc,
      args,
      () => true,
      vscode.l10n.t('Container whose name to copy'),
    );
    await vscode.env.clipboard.writeText(targets.map((c) => c.name).join('\n'));
  },
};
