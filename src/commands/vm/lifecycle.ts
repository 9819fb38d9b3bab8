import * as vscode from 'vscode';
import type * as Qemu from '../../backends/qemu';
import type { Command } from '../command';
import type { Services } from '../../host/services';
import { withProgress } from '../../host/progress';
import { targetVm } from './target';

type State = Qemu.VmInfo['state'];

/** A command that runs one store action on one VM, with progress. */
export function vmAction(
  id: string,
  states: readonly State[],
  title: (name: string) => string,
  act: (svc: Services, store: Qemu.VmStore, name: string, signal: AbortSignal) => Promise<unknown>,
): Command {
  return {
    id,
    async execute(svc, arg) {
      const t = await targetVm(svc, arg, states, vscode.l10n.t('Select a VM'));
      if (!t) return;
      await withProgress(title(t.name), (signal) => act(svc, t.store, t.name, signal));
    },
  };
}
