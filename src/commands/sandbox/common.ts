import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import type { Services } from '../../host/services';
import { withProgress } from '../../host/progress';
import { SandboxNode, type SandboxModule } from '../../tree/sandboxes/section';
import { forwardSandboxPorts } from './ports';
import { setupOutput, type SetupOutput } from './setupTerminal';
import { openTerminal } from './terminal';

type IsolationLevel = import('../../sandbox').IsolationLevel;
type SandboxSpec = import('../../sandbox').SandboxSpec;
type SandboxInfo = import('../../sandbox').SandboxInfo;
type LaunchReport = import('../../sandbox').LaunchReport;

export function requireTrust(): void {
  if (!vscode.workspace.isTrusted)
    throw new UserError(
      vscode.l10n.t(
        'Sandboxes are disabled in untrusted workspaces: trust this folder to launch or control one.',
      ),
    );
}

/**
 * The sandbox a command acts on, as its record (what it is decides which backend acts): the
 * tree row's own record, else the record of a name (palette, keybinding, tests).
 */
export async function targetSandbox(svc: Services, arg: unknown): Promise<SandboxInfo> {
  if (arg instanceof SandboxNode) return arg.info;
  const sel = svc.tree.view.selection[0];
  if (arg === undefined && sel instanceof SandboxNode) return sel.info;
  return svc.sandboxes.backend().require(nameOf(svc, arg));
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
  spec?: SandboxSpec,
): Promise<IsolationLevel | undefined> {
  const m = svc.sandboxes.module();
  // A level that cannot run this config is not available for it; what one cannot do is shown with it.
  const levels = (await svc.sandboxes.backend().levels()).map((l) => {
    const sup = spec && l.available ? m.levelSupport(spec, l.level) : undefined;
    if (sup?.refusal) return { ...l, available: false, detail: sup.refusal };
    return sup?.notes.length
      ? { ...l, detail: `${l.detail} · ${vscode.l10n.t('not here: {0}', sup.notes.join('; '))}` }
      : l;
  });
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

/**
 * Launches in a cancellable progress notification with one step per phase; the hooks' output
 * goes to a "Sandbox setup" terminal. The launch is ready after devcontainer.json's `waitFor`
 * hook: the later ones run on under their own cancellable progress. Then the ports are
 * forwarded, the terminal opens, and postAttachCommand runs (the editor attached).
 */
export async function launchSpec(
  svc: Services,
  spec: SandboxSpec,
  level: IsolationLevel,
  opts: { terminal?: boolean } = {},
): Promise<LaunchReport> {
  const mgr = svc.sandboxes.backend();
  const m: SandboxModule = svc.sandboxes.module();
  const levels = await mgr.levels();
  const st = levels.find((l) => l.level === level);
  if (!st?.available)
    throw new UserError(
      vscode.l10n.t('{0} is not available here: {1}', level, st?.detail ?? 'unknown level'),
    );
  // What this level cannot do with the config is said before anything starts.
  const support = m.levelSupport(spec, level);
  if (support.refusal) throw new UserError(support.refusal);
  svc.log.info(`sandbox ${spec.name}: launching ${spec.source.kind} "${spec.source.label}" as ${level}`);
  const notHonoured = [...spec.notes, ...support.notes];
  if (notHonoured.length)
    svc.log.warn(
      `sandbox ${spec.name}: not honoured ${level === 'microvm' ? 'in a microVM' : 'locally'}:\n  ${notHonoured.join('\n  ')}`,
    );
  const out = setupOutput(spec.name);
  // One abort for the launch and the hooks it hands back (each has its own Cancel button).
  const ac = new AbortController();
  let background: { rest: Promise<void>; hooks: readonly string[] } | undefined;
  const ctx = {
    log: svc.log,
    signal: ac.signal,
    output: (t: string) => out.write(t),
    allowPrivileges: svc.settings.current.sandbox.allowPrivileges,
    background: (rest: Promise<void>, hooks: readonly string[]) => {
      background = { rest, hooks };
    },
  };
  let report: LaunchReport;
  try {
    report = await withProgress(vscode.l10n.t('Launching sandbox {0}', spec.name), (signal, progress) => {
      signal.addEventListener('abort', () => ac.abort(), { once: true });
      return mgr.launch(spec, level, st.runtime ?? 'runc', {
        ...ctx,
        report: (phase, msg) => progress(`${phase}: ${msg}`),
      });
    });
  } catch (e) {
    out.end(
      ac.signal.aborted ? vscode.l10n.t('cancelled') : vscode.l10n.t('failed: {0}', (e as Error).message),
    );
    throw e;
  }
  svc.log.info(`sandbox ${spec.name}: ready (${m.formatTimings(report.timings)})`);
  await svc.sandboxes.refresh();
  if (background) followBackground(svc, spec.name, background, ac, out);
  else out.end(vscode.l10n.t('ready'));
  const stored = await mgr.specOf(report.info).catch(() => undefined);
  await forwardSandboxPorts(svc, report.info, stored ?? spec).catch((e: unknown) =>
    svc.log.warn(`sandbox ${spec.name}: ports: ${String(e)}`),
  );
  if (opts.terminal !== false) await openTerminal(svc, spec.name);
  await attached(svc, report.info, out);
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

/** The hooks after `waitFor`, under their own cancellable progress; a failure is shown, the sandbox stays. */
function followBackground(
  svc: Services,
  name: string,
  bg: { rest: Promise<void>; hooks: readonly string[] },
  ac: AbortController,
  out: SetupOutput,
): void {
  void withProgress(vscode.l10n.t('Sandbox {0}: {1}', name, bg.hooks.join(', ')), (signal) => {
    signal.addEventListener('abort', () => ac.abort(), { once: true });
    return bg.rest;
  }).then(
    () => out.end(vscode.l10n.t('ready')),
    (e: unknown) => {
      out.end(
        ac.signal.aborted ? vscode.l10n.t('cancelled') : vscode.l10n.t('failed: {0}', (e as Error).message),
      );
      if (ac.signal.aborted) return;
      svc.log.error(`sandbox ${name}: ${(e as Error).message}`);
      void vscode.window
        .showErrorMessage((e as Error).message, vscode.l10n.t('Open Log'))
        .then((p) => p && svc.log.show(true));
    },
  );
}

/** postAttachCommand (the editor attached); its failure is shown, never thrown. */
export async function attached(
  svc: Services,
  info: SandboxInfo,
  out = setupOutput(info.name),
): Promise<void> {
  await svc.sandboxes
    .backend()
    .postAttach(info, { log: svc.log, output: (t) => out.write(t) })
    .catch((e: unknown) => {
      svc.log.error(`sandbox ${info.name}: ${(e as Error).message}`);
      void vscode.window.showErrorMessage((e as Error).message);
    });
}
