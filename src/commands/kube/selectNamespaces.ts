import * as vscode from 'vscode';
import { CancelledError } from '../../common/errors';
import type { Command } from '../command';

/** All namespaces, or a chosen set, for the selected context (remembered per context). */
export const kubeSelectNamespaces: Command = {
  id: 'podvisor.kube.selectNamespaces',
  async execute(svc, arg?: unknown) {
    const section = svc.clusters;
    const context = section.selectedContext;
    if (arg === 'all' || Array.isArray(arg)) return section.setNamespaces(context, arg as 'all' | string[]);
    const store = section.store(context);
    await store.whenSynced();
    const now = section.namespacesOf(context);
    const all = vscode.l10n.t('All namespaces');
    const picks = await vscode.window.showQuickPick(
      [
        { label: all, picked: now === 'all' },
        ...store.namespaces().map((n) => ({ label: n, picked: now !== 'all' && now.includes(n) })),
      ],
      { canPickMany: true, placeHolder: vscode.l10n.t('Namespaces to show for {0}', context) },
    );
    if (!picks) throw new CancelledError();
    const chosen = picks.map((p) => p.label).filter((l) => l !== all);
    await section.setNamespaces(
      context,
      !chosen.length || picks.some((p) => p.label === all) ? 'all' : chosen,
    );
  },
};
