import * as vscode from 'vscode';
import { CancelledError } from '../../common/errors';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { httpOf, targetObject } from './target';

/** Deletes a VM, pod or other object after a modal confirmation. */
export const kubeDeleteObject: Command = {
  id: 'podvisor.kube.object.delete',
  async execute(svc, arg?: unknown, opts?: { confirmed?: boolean }) {
    const ref = await targetObject(
      svc,
      arg,
      ['virtualmachines', 'pods', 'datavolumes'],
      vscode.l10n.t('Object to delete'),
    );
    const label = `${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
    if (!opts?.confirmed) {
      const del = vscode.l10n.t('Delete');
      const ok = await vscode.window.showWarningMessage(
        vscode.l10n.t('Delete {0} from context {1}?', label, ref.context),
        { modal: true },
        del,
      );
      if (ok !== del) throw new CancelledError();
    }
    const http = httpOf(svc, ref.context);
    await withProgress(vscode.l10n.t('Deleting {0}…', label), (signal) =>
      svc.clusters.backend.deleteObject(http, ref.resource, ref.namespace, ref.name, signal),
    );
    svc.log.info(`kube ${ref.context}: deleted ${ref.resource} ${label}`);
  },
};
