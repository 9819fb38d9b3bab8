import * as vscode from 'vscode';
import type * as Qemu from '../../backends/qemu';
import { UserError } from '../../common/errors';
import type { Services } from '../../host/services';

type State = Qemu.VmInfo['state'];

function nameOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && arg !== null) {
    const a = arg as { name?: unknown; info?: { name?: unknown } };
    if (typeof a.name === 'string') return a.name;
    if (typeof a.info?.name === 'string') return a.info.name;
  }
  return undefined;
}

/**
 * The VM a command acts on: the tree row it was invoked on, a name (palette, keybinding, tests),
 * else a quick pick over the VMs in the states the command applies to.
 */
export async function targetVm(
  svc: Services,
  arg: unknown,
  states: readonly State[],
  placeHolder: string,
): Promise<{ store: Qemu.VmStore; name: string } | undefined> {
  const store = await svc.vms.ready();
  const given = nameOf(arg);
  if (given) {
    const info = store.info(given);
    if (!info.spec && info.problem === 'spec.json is missing')
      throw new UserError(vscode.l10n.t('There is no VM named "{0}".', given));
    return { store, name: given };
  }
  const candidates = store.list().filter((i) => states.includes(i.state));
  if (!candidates.length)
    throw new UserError(vscode.l10n.t('No VM is in a state for this action ({0}).', states.join(', ')));
  const pick = await vscode.window.showQuickPick(
    candidates.map((i) => ({
      label: i.name,
      description: i.state,
      detail: i.spec ? `${i.spec.cpus} vCPU · ${i.spec.memoryMiB} MiB · ${i.spec.machine}` : i.problem,
    })),
    { placeHolder },
  );
  return pick ? { store, name: pick.label } : undefined;
}
