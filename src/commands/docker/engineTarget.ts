import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../common/errors';
import type { Services } from '../../host/services';
import type { EngineView } from '../../tree/containers/engine';

/**
 * The engine a command acts on: the clicked node's (every Docker node carries its engine), an
 * engine key passed by another command or a test, the only one shown, or one picked.
 */
export async function engineTarget(svc: Services, arg: unknown, placeHolder: string): Promise<EngineView> {
  const engines = svc.containers.engines();
  const fromNode = (arg as { engine?: { key?: unknown } } | undefined)?.engine?.key;
  const key = typeof arg === 'string' ? arg : typeof fromNode === 'string' ? fromNode : undefined;
  if (key !== undefined) {
    const e = svc.containers.engine(key);
    if (!e) throw new UserError(vscode.l10n.t('No engine {0}', key));
    return e;
  }
  const [only] = engines;
  if (engines.length === 1 && only) return only;
  const pick = await vscode.window.showQuickPick(
    engines.map((e) => ({ label: e.label, description: e.host, e })),
    { placeHolder },
  );
  if (!pick) throw new CancelledError();
  return pick.e;
}
