import * as vscode from 'vscode';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { composeFor, composeTarget, progressLines } from './project';

/** `compose down`: every container and network of the project (all profiles). */
export const composeDown: Command = {
  id: 'podvisor.compose.down',
  async execute(svc, ...args) {
    const t = await composeTarget(svc, args);
    await withProgress(
      vscode.l10n.t('Compose down: {0}', t.service ? `${t.label} / ${t.service}` : t.label),
      async (signal, report) => {
        const compose = await composeFor(svc, t.engine, signal);
        await compose.down(t.project, { signal, onLine: progressLines(svc, report) });
      },
    );
    await t.engine.refresh();
  },
};
