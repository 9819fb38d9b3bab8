import * as vscode from 'vscode';
import type { DomainAction } from '../../backends/libvirt';
import type { Services } from '../../host/services';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { afterAction, targetDomain } from './target';

type State = 'running' | 'paused' | 'shutoff' | 'unknown';

/**
 * The plain lifecycle actions share one shape: pick the domain, run the virsh verb under a
 * cancellable progress (cancel kills virsh), re-read the domain. `confirm` asks first.
 */
export function lifecycleCommand(
  id: string,
  action: DomainAction,
  states: readonly State[],
  title: (name: string) => string,
  confirm?: (name: string) => { message: string; button: string },
): Command {
  return {
    id,
    async execute(svc: Services, arg?: unknown) {
      const ref = await targetDomain(svc, arg, states, vscode.l10n.t('Domain to {0}', action));
      if (!ref) return;
      if (confirm) {
        const c = confirm(ref.name);
        const ok = await vscode.window.showWarningMessage(c.message, { modal: true }, c.button);
        if (ok !== c.button) return;
      }
      const client = svc.libvirt.client(ref.uri);
      await withProgress(title(ref.name), (signal) => client.act(action, ref.name, { signal }));
      svc.log.info(`libvirt ${ref.uri}: ${action} ${ref.name}`);
      await afterAction(svc, ref);
    },
  };
}
