import * as vscode from 'vscode';
import { CancelledError } from '../../common/errors';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { containerTargets } from './targets';

export const removeContainer: Command = {
  id: 'podvisor.container.remove',
  async execute(svc, ...args) {
    const targets = await containerTargets(svc, args, () => true, vscode.l10n.t('Container to remove'));
    const running = targets.filter(
      (c) => c.state === 'running' || c.state === 'paused' || c.state === 'restarting',
    );
    const what =
      targets.length === 1 ? `"${targets[0].name}"` : vscode.l10n.t('{0} containers', targets.length);
    const remove = running.length ? vscode.l10n.t('Force Remove') : vscode.l10n.t('Remove');
    const detail = running.length
      ? vscode.l10n.t('{0} running: it will be killed and removed.', running.map((c) => c.name).join(', '))
      : vscode.l10n.t('This cannot be undone.');
    // A test passes `{ confirmed: true }` as the third argument (no modal in a headless host).
    const confirmed = (args[2] as { confirmed?: boolean } | undefined)?.confirmed === true;
    if (!confirmed) {
      const pick = await vscode.window.showWarningMessage(
        vscode.l10n.t('Remove container {0}?', what),
        { modal: true, detail },
        remove,
      );
      if (pick !== remove) throw new CancelledError();
    }
    await withProgress(vscode.l10n.t('Removing {0}', what), async (signal) => {
      for (const c of targets)
        await (
          await c.engine.client()
        ).removeContainer(c.id, { signal, force: running.includes(c), label: c.name });
    });
  },
};
