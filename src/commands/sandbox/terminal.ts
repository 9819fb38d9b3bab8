/**
 * Sandbox terminals: one per sandbox, fed by the backend's session (an exec'd login shell, or
 * a microVM's serial console), remembered in workspaceState so they re-open after a reload.
 */
import * as vscode from 'vscode';
import type { Services } from '../../host/services';
import { openSessionTerminal } from '../../tree/containers/terminal';

const OPEN_TERMINALS_KEY = 'podvisor.sandbox.openTerminals';

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
  const t = openSessionTerminal(
    title,
    (dims) =>
      svc.sandboxes
        .backend()
        .require(name)
        .then((sb) => svc.sandboxes.backend().session(sb, { ...dims, ...(cmd ? { cmd } : {}) })),
    true,
  );
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
    (await svc.sandboxes.backend().list()).filter((s) => s.state === 'running').map((s) => s.name),
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

/** Wires re-attach at activation (not awaited: activation stays fast). */
export function registerSandboxTerminals(svc: Services): vscode.Disposable[] {
  void reattachTerminals(svc).catch((e: unknown) =>
    svc.log.warn(`sandboxes: could not re-attach terminals: ${String(e)}`),
  );
  return [];
}
