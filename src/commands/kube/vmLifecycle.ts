import * as vscode from 'vscode';
import type { VmAction } from '../../backends/kube';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { httpOf, targetObject } from './target';

/**
 * VM lifecycle through KubeVirt's subresource API (as virtctl does); when the cluster does not
 * serve it, start/stop patch spec.runStrategy and the notification says so.
 */
export function vmActionCommand(id: string, action: VmAction, title: (name: string) => string): Command {
  return {
    id,
    async execute(svc, arg?: unknown) {
      const onVmi = action === 'pause' || action === 'unpause' || action === 'migrate';
      const ref = await targetObject(
        svc,
        arg,
        onVmi ? ['virtualmachines', 'virtualmachineinstances'] : ['virtualmachines'],
        vscode.l10n.t('VirtualMachine to {0}', action),
      );
      const http = httpOf(svc, ref.context);
      const r = await withProgress(title(ref.name), (signal) =>
        svc.clusters.backend.vmAction(http, ref.namespace, ref.name, action, signal),
      );
      svc.log.info(`kube ${ref.context}: ${action} ${ref.namespace}/${ref.name} via ${r.via}`);
      if (r.note) void vscode.window.showInformationMessage(r.note);
    },
  };
}
