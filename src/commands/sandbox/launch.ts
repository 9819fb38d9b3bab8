import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import type { Command } from '../command';
import { attached, chooseLevel, launchSpec, requireTrust } from './common';
import { forwardSandboxPorts } from './ports';
import { setupOutput } from './setupTerminal';
import { openTerminal } from './terminal';

/**
 * Launch Sandbox…: the workspace's devcontainer.json in the isolation level the user picks.
 * Arguments (for tests and keybindings; each skips its prompt): `{ folder?, level?, terminal? }`.
 * A sandbox that already exists for the folder is started (if stopped) and its terminal opened.
 */
export const launchSandbox: Command = {
  id: 'podvisor.sandbox.launch',
  async execute(svc, arg?: unknown) {
    requireTrust();
    const a = (typeof arg === 'object' && arg !== null ? arg : {}) as {
      folder?: unknown;
      level?: unknown;
      terminal?: unknown;
    };
    const folder = typeof a.folder === 'string' ? a.folder : await pickFolder();
    if (!folder) return undefined;
    const m = svc.sandboxes.module();
    if (!m.devcontainerPath(folder))
      throw new UserError(vscode.l10n.t('No .devcontainer/devcontainer.json in {0}', folder));
    // Parse first: a malformed file is reported before any question is asked.
    const spec = m.loadDevcontainer({ workspaceFolder: folder });
    const existing = await svc.sandboxes.backend().get(spec.name);
    if (existing) {
      if (existing.state !== 'running') {
        const out = setupOutput(spec.name);
        await svc.sandboxes.backend().restart(existing, { log: svc.log, output: (t) => out.write(t) });
      }
      await svc.sandboxes.refresh();
      const info = (await svc.sandboxes.backend().get(spec.name)) ?? existing;
      await forwardSandboxPorts(svc, info, await svc.sandboxes.backend().specOf(info)).catch(() => []);
      if (a.terminal !== false) await openTerminal(svc, spec.name);
      await attached(svc, info);
      return existing;
    }
    const level = await chooseLevel(svc, a.level, undefined, spec);
    if (!level) return undefined;
    return launchSpec(svc, spec, level, { terminal: a.terminal !== false });
  },
};

async function pickFolder(): Promise<string | undefined> {
  const [only, ...others] = vscode.workspace.workspaceFolders ?? [];
  if (!only) throw new UserError(vscode.l10n.t('Open a folder with a .devcontainer/devcontainer.json first'));
  if (!others.length) return only.uri.fsPath;
  const f = await vscode.window.showWorkspaceFolderPick({
    placeHolder: vscode.l10n.t('Folder to launch in a sandbox'),
  });
  return f?.uri.fsPath;
}
