import * as vscode from 'vscode';
import type { Command } from '../command';
import { withProgress } from '../../host/progress';
import { requireTrust, targetSandbox } from './common';

/** Removes the sandbox's containers and the images Podvisor built for it; the workspace is never touched. */
export const removeSandbox: Command = {
  id: 'podvisor.sandbox.remove',
  async execute(svc, arg?: unknown, opts?: unknown) {
    requireTrust();
    const sb = await targetSandbox(svc, arg);
    const name = sb.name;
    const confirmed = (opts as { confirm?: unknown } | undefined)?.confirm === false;
    if (!confirmed) {
      const yes = vscode.l10n.t('Remove');
      const pick = await vscode.window.showWarningMessage(
        vscode.l10n.t(
          'Remove sandbox {0}? Its containers and built images are deleted; your workspace folder is not touched.',
          name,
        ),
        { modal: true },
        yes,
      );
      if (pick !== yes) return;
    }
    for (const t of vscode.window.terminals) if (t.name === `Sandbox: ${name}`) t.dispose();
    await withProgress(vscode.l10n.t('Removing sandbox {0}', name), () => svc.sandboxes.backend().remove(sb));
    await svc.sandboxes.refresh();
  },
};
