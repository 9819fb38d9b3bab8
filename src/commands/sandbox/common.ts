import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import type { Services } from '../../host/services';
import { withProgress } from '../../host/progress';
import { openSessionTerminal } from '../../tree/containers/terminal';
import type { SandboxModule } from '../../tree/sandboxes/manager';
import { SandboxNode } from '../../tree/sandboxes/section';

type IsolationLevel = import('../../sandbox').IsolationLevel;
type SandboxSpec = import('../../sandbox').SandboxSpec;
type LaunchReport = import('../../sandbox').LaunchReport;

const OPEN_TERMINALS_KEY = 'podvisor.sandbox.openTerminals';

export function requireTrust(): void {
  if (!vscode.workspace.isTrusted)
    throw new UserError(
      vscode.l10n.t(
        'Sandboxes are disabled in untrusted workspaces: trust this folder to launch or control one.',
      ),
    );
}

/** A sandbox name from a tree node, a string, or `{ name }`. */
export function nameOf(svc: Services, arg: unknown): string {
  if (arg instanceof SandboxNode) return arg.info.name;
  if (typeof arg === 'string' && arg) return arg;
  const n =
    (arg as { name?: unknown; info?: { name?: unknown } } | undefined)?.info?.name ??
    (arg as { name?: unknown } | undefined)?.name;
  if (typeof n === 'string' && n) return n;
  const sel = svc.tree.view.selection[0];
  if (sel instanceof SandboxNode) return sel.info.name;
  throw new UserError(vscode.l10n.t('Choose a sandbox in the Sandboxes group first'));
}

/** The isolation level: an explicit one, the setting's default, or a quick pick of what is available. */
export async function chooseLevel(
  svc: Services,
  explicit?: unknown,
  allowed?: readonly IsolationLevel[],
): Promise<IsolationLevel | undefined> {
  const m = svc.sandboxes.manager.module();
  const levels = await svc.sandboxes.manager.levels();
  const usable = levels.filter((l) => l.available && (!allowed || allowed.includes(l.level)));
  const check = (lvl: IsolationLevel): IsolationLevel => {
    const st = levels.find((l) => l.level === lvl);
    if (!st) throw new UserError(vscode.l10n.t('Isolation level {0} is not supported for this source', lvl));
    if (!st.available)
      throw new UserError(
        vscode.l10n.t('{0} is not available here: {1}', m.LEVEL_NOTES[lvl].title, st.detail),
      );
    if (allowed && !allowed.includes(lvl))
      throw new UserError(vscode.l10n.t('{0} cannot run this source', m.LEVEL_NOTES[lvl].title));
    return lvl;
  };
  if (typeof explicit === 'string') return check(explicit as IsolationLevel);
  const def = svc.settings.current.sandbox.defaultIsolation;
  if (def !== 'ask' && usable.some((l) => l.level === def)) return def;
  type Item = vscode.QuickPickItem & { level?: IsolationLevel; why?: string };
  const items: Item[] = usable.map((l) => ({
    label: `$(shield) ${m.LEVEL_NOTES[l.level].title}`,
    description: l.detail,
    detail: m.LEVEL_NOTES[l.level].note,
    level: l.level,
  }));
  const missing = levels.filter((l) => !l.available && (!allowed || allowed.includes(l.level)));
  if (missing.length) {
    items.push({ label: vscode.l10n.t('Not available here'), kind: vscode.QuickPickItemKind.Separator });
    for (const l of missing)
      items.push({
        label: `$(circle-slash) ${m.LEVEL_NOTES[l.level].title}`,
        description: l.detail,
        why: l.detail,
      });
  }
  const pick = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Launch Sandbox: isolation level'),
    placeHolder: vscode.l10n.t('How strongly to isolate the workspace from this machine'),
    matchOnDetail: true,
  });
  if (!pick) return undefined;
  if (!pick.level) throw new UserError(vscode.l10n.t('Not available: {0}', pick.why ?? ''));
  return pick.level;
}

/** Launches in a cancellable progress notification with one step per phase, then opens a terminal. */
export async function launchSpec(
  svc: Services,
  spec: SandboxSpec,
  level: IsolationLevel,
  opts: { terminal?: boolean } = {},
): Promise<LaunchReport> {
  const mgr = svc.sandboxes.manager;
  const m: SandboxModule = mgr.module();
  const levels = await mgr.levels();
  const st = levels.find((l) => l.level === level);
  if (!st?.available)
    throw new UserError(
      vscode.l10n.t('{0} is not available here: {1}', level, st?.detail ?? 'unknown level'),
    );
  svc.log.info(`sandbox ${spec.name}: launching ${spec.source.kind} "${spec.source.label}" as ${level}`);
  if (spec.notes.length)
    svc.log.warn(`sandbox ${spec.name}: not honoured locally:\n  ${spec.notes.join('\n  ')}`);
  const report = await withProgress(vscode.l10n.t('Launching sandbox {0}', spec.name), (signal, progress) =>
    mgr.launch(spec, level, st.runtime ?? 'runc', {
      log: svc.log,
      signal,
      report: (phase, msg) => progress(`${phase}: ${msg}`),
    }),
  );
  svc.log.info(`sandbox ${spec.name}: ready (${m.formatTimings(report.timings)})`);
  await svc.sandboxes.refresh();
  if (opts.terminal !== false) await openTerminal(svc, spec.name);
  if (report.notes.length) {
    void vscode.window
      .showWarningMessage(
        vscode.l10n.t(
          'Sandbox {0} is running; {1} setting(s) could not be honoured locally.',
          spec.name,
          report.notes.length,
        ),
        vscode.l10n.t('Open Log'),
      )
      .then((p) => p && svc.log.show(true));
  }
  return report;
}

/** Opens (or focuses) the sandbox's terminal; remembered so it re-opens after a window reload. */
export async function openTerminal(
  svc: Services,
  name: string,
  cmd?: readonly string[],
): Promise<vscode.Terminal> {
  const title = `Sandbox: ${name}`;
  const existing = vscode.window.terminals.find((t) => t.name === title);
  if (existing && !cmd) {
    existing.show();
    return existing;
  }
  const t = openSessionTerminal(title, (dims) => svc.sandboxes.manager.session(name, dims, cmd), true);
  await remember(svc, name, true);
  const sub = vscode.window.onDidCloseTerminal((closed) => {
    if (closed !== t) return;
    sub.dispose();
    // Closed by the user (not by a window reload, which doesn't fire this): forget it.
    void remember(svc, name, false);
  });
  svc.context.subscriptions.push(sub);
  return t;
}

async function remember(svc: Services, name: string, open: boolean): Promise<void> {
  const cur = new Set(svc.context.workspaceState.get<string[]>(OPEN_TERMINALS_KEY, []));
  if (open) cur.add(name);
  else cur.delete(name);
  await svc.context.workspaceState.update(OPEN_TERMINALS_KEY, [...cur]);
}

/** After a window reload: re-open the terminals of sandboxes that are still running. */
export async function reattachTerminals(svc: Services): Promise<void> {
  const names = svc.context.workspaceState.get<string[]>(OPEN_TERMINALS_KEY, []);
  if (!names.length || !vscode.workspace.isTrusted) return;
  const running = new Set(
    (await svc.sandboxes.manager.list()).filter((s) => s.state === 'running').map((s) => s.name),
  );
  for (const n of names) {
    if (running.has(n)) await openTerminal(svc, n);
    else await remember(svc, n, false);
  }
  if (names.length)
    svc.log.info(
      `sandboxes: re-attached terminals for ${names.filter((n) => running.has(n)).join(', ') || 'none'}`,
    );
}
