import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../common/errors';
import type { RegistrySetting } from '../../common/settings/registries';
import type { Services } from '../../host/services';

/** The registry a command acts on: a tree node's, a URL, or one picked from podvisor.registries. */
export async function registryTarget(svc: Services, arg: unknown): Promise<RegistrySetting> {
  const list = svc.settings.current.registries.registries;
  const url =
    typeof arg === 'string' ? arg : (arg as { registry?: { url?: unknown } } | undefined)?.registry?.url;
  if (typeof url === 'string') {
    const norm = url.replace(/\/+$/, '');
    const r = list.find((x) => x.url === norm || new URL(x.url).host === norm);
    if (!r) throw new UserError(vscode.l10n.t('No registry {0} in podvisor.registries', url));
    return r;
  }
  if (!list.length)
    throw new UserError(vscode.l10n.t('No registries yet: add one (Podvisor: Add Registry…).'));
  const [only] = list;
  if (list.length === 1 && only) return only;
  const pick = await vscode.window.showQuickPick(
    list.map((r) => ({ label: r.name, description: r.url, r })),
    { placeHolder: vscode.l10n.t('Registry') },
  );
  if (!pick) throw new CancelledError();
  return pick.r;
}
