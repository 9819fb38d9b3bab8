import * as vscode from 'vscode';
import { CancelledError } from '../../common/errors';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { composeFor, composeTarget, progressLines } from './project';

/**
 * `compose up -d` of chosen services, with chosen profiles. A test (or another command) passes
 * `{ services, profiles }` as the second argument; otherwise the user picks from the file.
 */
export const composeUpServices: Command = {
  id: 'podvisor.compose.upServices',
  async execute(svc, ...args) {
    const t = await composeTarget(svc, args);
    const given = args[1] as { services?: string[]; profiles?: string[] } | undefined;
    const compose = await composeFor(svc, t.engine);
    let profiles = given?.profiles;
    let services = given?.services;
    if (!services) {
      const all = await compose.services(t.project, { profiles: ['*'] });
      const active = new Set(await compose.services(t.project));
      const picks = await vscode.window.showQuickPick(
        all.map((s) => ({
          label: s,
          description: active.has(s) ? '' : vscode.l10n.t('in a profile'),
          picked: active.has(s),
        })),
        { canPickMany: true, placeHolder: vscode.l10n.t('Services of {0} to bring up', t.label) },
      );
      if (!picks?.length) throw new CancelledError();
      services = picks.map((p) => p.label);
      // A service only in a profile needs that profile enabled: `*` enables them all for these services.
      if (picks.some((p) => !active.has(p.label))) profiles = ['*'];
    }
    await withProgress(
      vscode.l10n.t('Compose up: {0} ({1})', t.label, services.join(', ')),
      async (signal, report) => {
        await compose.up(t.project, {
          services,
          profiles,
          hadContainers: t.hasContainers,
          signal,
          onLine: progressLines(svc, report),
        });
      },
    );
    await t.engine.refresh();
  },
};
