import * as vscode from 'vscode';
import { CancelledError } from '../../common/errors';
import type { Command } from '../command';

/** Which kube context the Clusters section connects to (Podvisor's setting; the kubeconfig is not changed). */
export const kubeSelectContext: Command = {
  id: 'podvisor.kube.selectContext',
  async execute(svc, arg?: unknown) {
    const section = svc.clusters;
    const contexts = section.contexts();
    const given = typeof arg === 'string' ? arg : undefined;
    const pick =
      given ??
      (
        await vscode.window.showQuickPick(
          contexts.map((c) => ({
            label: `${c.name === section.selectedContext ? '$(check) ' : ''}${c.name}`,
            description: c.info.server,
            detail: c.isCurrent ? vscode.l10n.t('current context of the kubeconfig') : undefined,
            name: c.name,
          })),
          { placeHolder: vscode.l10n.t('Kube context for the Clusters section') },
        )
      )?.name;
    if (pick === undefined) throw new CancelledError();
    await vscode.workspace
      .getConfiguration('podvisor.kubernetes')
      .update('context', pick, vscode.ConfigurationTarget.Global);
  },
};
