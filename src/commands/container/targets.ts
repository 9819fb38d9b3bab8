import * as vscode from 'vscode';
import type { ContainerInfo } from '../../backends/docker/model';
import { CancelledError, UserError } from '../../common/errors';
import type { Services } from '../../host/services';
import { ContainerNode, type EngineRef } from '../../tree/containers/nodes';

/** A container and the engine it runs on (several engines can be shown at once). */
export type ContainerTarget = ContainerInfo & { readonly engine: EngineRef };

/**
 * The containers a command acts on: the clicked node (or every selected node), an id or name
 * passed by another command or a test, or — from the palette — one picked from a list of the
 * containers the action applies to, on every engine shown. Never empty: no target is an error or a cancel.
 */
export async function containerTargets(
  svc: Services,
  args: unknown[],
  applies: (c: ContainerInfo) => boolean,
  placeHolder: string,
): Promise<[ContainerTarget, ...ContainerTarget[]]> {
  const [first, all] = args;
  const target = (n: ContainerNode): ContainerTarget => ({ ...n.info, engine: n.engine });
  if (Array.isArray(all) && all.every((x) => x instanceof ContainerNode)) {
    const [one, ...more] = all;
    if (one && more.length) return [target(one), ...more.map(target)];
  }
  if (first instanceof ContainerNode) return [target(first)];
  const engines = svc.containers.engines();
  await Promise.all(
    engines.map(async (e) => {
      await e.client().catch(() => undefined);
      await e.store?.idle();
    }),
  );
  const list: ContainerTarget[] = engines.flatMap((e) => e.containers().map((c) => ({ ...c, engine: e })));
  if (typeof first === 'string' && first) {
    const c = list.find((x) => x.id === first || x.id.startsWith(first) || x.name === first);
    if (!c) throw new UserError(vscode.l10n.t('No container {0}', first));
    return [c];
  }
  const candidates = list.filter(applies).sort((a, b) => a.name.localeCompare(b.name));
  if (!candidates.length) throw new UserError(vscode.l10n.t('No container to apply this to.'));
  const several = engines.length > 1;
  const pick = await vscode.window.showQuickPick(
    candidates.map((c) => ({
      label: c.name,
      description: `${c.image} · ${c.state}${several ? ` · ${c.engine.label}` : ''}`,
      detail: c.id.slice(0, 12),
      c,
    })),
    { placeHolder, matchOnDescription: true, matchOnDetail: true },
  );
  if (!pick) throw new CancelledError();
  return [pick.c];
}

export const isRunning = (c: ContainerInfo) => c.state === 'running' || c.state === 'restarting';
export const isStopped = (c: ContainerInfo) =>
  c.state === 'stopped' || c.state === 'created' || c.state === 'dead';
