import * as vscode from 'vscode';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { composeFor, composeTarget, progressLines } from './project';

/** `compose restart`: the project, or the service clicked. */
export const composeRestart: Command = {
  id: 'podvisor.compose.restart',
  async execute(svc, ...args) {
    const t = await composeTarget(svc, args);
    await withProgress(
      vscode.l10n.t('Compose restart: {0}', t.service ? `${t.label} / ${t.service}` : t.label),
      async (signal, report) => {
        const compose = await composeFor(svc, t.engine, signal);
        await compose.restart(t.project, {
          services: t.service ? [t.service] : [],
          signal,
          onLine: progressLines(svc, report),
        });
      },
    );
    await t.engine.refresh();
  },
};
