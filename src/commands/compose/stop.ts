import * as vscode from 'vscode';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { composeFor, composeTarget, progressLines } from './project';

/** `compose stop`: the project, or the service clicked. */
export const composeStop: Command = {
  id: 'podvisor.compose.stop',
  async execute(svc, ...args) {
    const t = await composeTarget(svc, args);
    await withProgress(
      vscode.l10n.t('Compose stop: {0}', t.service ? `${t.label} / ${t.service}` : t.label),
      async (signal, report) => {
        const compose = await composeFor(svc, t.engine, signal);
        await compose.stop(t.project, {
          services: t.service ? [t.service] : [],
          signal,
          onLine: progressLines(svc, report),
        });
      },
    );
    await t.engine.refresh();
  },
};
