import * as vscode from 'vscode';
import type * as Kube from '../../backends/kube';
import { CancelledError, UserError } from '../../common/errors';
import type { Services } from '../../host/services';
import { ItemNode } from '../../tree/clusters/nodes';
import type { ClustersSection } from '../../tree/clusters/section';

export interface ObjectRef {
  readonly context: string;
  readonly resource: Kube.ResourceKey;
  readonly namespace: string;
  readonly name: string;
}

export function clusters(svc: Services): ClustersSection {
  return svc.clusters;
}

function isRef(x: unknown): x is ObjectRef {
  const r = x as ObjectRef;
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof r.context === 'string' &&
    typeof r.resource === 'string' &&
    typeof r.name === 'string'
  );
}

/**
 * The object a command acts on: the tree row it was invoked on, an `{context, resource,
 * namespace, name}` argument (palette, keybinding, tests), or a quick pick over the selected
 * context's objects of the kinds the command applies to.
 */
export async function targetObject(
  svc: Services,
  arg: unknown,
  resources: readonly Kube.ResourceKey[],
  placeHolder: string,
): Promise<ObjectRef> {
  if (arg instanceof ItemNode)
    return {
      context: arg.context.name,
      resource: arg.item.resource,
      namespace: arg.item.namespace,
      name: arg.item.name,
    };
  if (isRef(arg)) return { ...arg, namespace: arg.namespace ?? '' };
  const section = clusters(svc);
  const context = section.selectedContext;
  const store = section.store(context);
  await store.whenSynced();
  const items = [...store.items.values()].filter((i) => resources.includes(i.resource));
  if (!items.length) throw new UserError(vscode.l10n.t('Nothing to act on in context {0}.', context));
  const pick = await vscode.window.showQuickPick(
    items.map((i) => ({ label: i.name, description: i.namespace, detail: section.backend.describe(i), i })),
    { placeHolder, matchOnDescription: true },
  );
  if (!pick) throw new CancelledError();
  return { context, resource: pick.i.resource, namespace: pick.i.namespace, name: pick.i.name };
}

export function httpOf(svc: Services, context: string): Kube.KubeHttp {
  return clusters(svc).store(context).http;
}
