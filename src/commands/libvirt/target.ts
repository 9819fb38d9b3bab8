import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import type { Services } from '../../host/services';
import { contextState, type DomainNode } from '../../tree/libvirt/nodes';

export interface DomainRef {
  readonly uri: string;
  readonly name: string;
}

function isRef(x: unknown): x is DomainRef {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as DomainRef).uri === 'string' &&
    typeof (x as DomainRef).name === 'string'
  );
}

/**
 * The domain a command acts on: the tree row it was invoked on (or `{uri, name}` from another
 * extension or a keybinding), else a quick pick over the known domains in the states the
 * command applies to. Undefined when the user dismissed the pick.
 */
export async function targetDomain(
  svc: Services,
  arg: unknown,
  states: ReadonlyArray<'running' | 'paused' | 'shutoff' | 'unknown'>,
  placeHolder: string,
): Promise<DomainRef | undefined> {
  if (isRef(arg)) return { uri: arg.uri, name: arg.name };
  const section = svc.libvirt;
  if (section.domains().length === 0) await section.refresh();
  const candidates = section.domains().filter((n) => states.includes(contextState(n.domain)));
  if (candidates.length === 0) {
    throw new UserError(
      vscode.l10n.t('No libvirt domain is in a state for this action ({0}).', states.join(', ')),
    );
  }
  const pick = await vscode.window.showQuickPick(
    candidates.map((n: DomainNode) => ({
      label: n.name,
      description: n.domain.state,
      detail: n.uri,
      node: n,
    })),
    { placeHolder, matchOnDetail: true },
  );
  return pick ? { uri: pick.node.uri, name: pick.node.name } : undefined;
}

/** After an action: re-read the domain right away (its event will follow and confirm). */
export async function afterAction(svc: Services, ref: DomainRef): Promise<void> {
  const g = svc.libvirt.group(ref.uri);
  if (g) await g.refreshDomain(ref.name);
}
