import * as vscode from 'vscode';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { composeFor, composeTarget, progressLines } from './project';

/** `compose up -d`: every service of the project (or the one clicked). */
export const composeUp: Command = {
  id: 'podvisor.compose.up',
  async execute(svc, ...args) {
    const t = await composeTarget(svc, args);
    await withProgress(vscode.l10n.t('Compose up: {0}', t.label), async (signal, report) => {
      const compose = await composeFor(svc, t.engine, signal);
      await compose.up(t.project, {
        services: t.service ? [t.service] : [],
        hadContainers: t.hasContainers,
        signal,
        onLine: progressLines(svc, report),
      });
    });
    await t.engine.refresh();
  },
};
