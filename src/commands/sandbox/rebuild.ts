import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import type { Command } from '../command';
import { launchSpec, nameOf, requireTrust } from './common';

/**
 * Rebuild: remove the sandbox (containers, built images) and launch it again at the same level
 * from its source, re-reading devcontainer.json so edits take effect.
 */
export const rebuildSandbox: Command = {
  id: 'podvisor.sandbox.rebuild',
  async execute(svc, arg?: unknown, opts?: unknown) {
    requireTrust();
    const name = nameOf(svc, arg);
    const mgr = svc.sandboxes.manager;
    const info = await mgr.find(name);
    const old = await mgr.specOf(name);
    if (!info || !old) throw new UserError(vscode.l10n.t('No sandbox named {0}', name));
    const m = mgr.module();
    // Parse the new spec before removing anything, so a broken edit leaves the old sandbox alone.
    const spec =
      old.source.kind === 'devcontainer' && old.source.file && old.workspace
        ? m.loadDevcontainer({ workspaceFolder: old.workspace.hostPath, file: old.source.file })
        : old;
    for (const t of vscode.window.terminals) if (t.name === `Sandbox: ${name}`) t.dispose();
    await mgr.remove(name);
    const terminal = (opts as { terminal?: unknown } | undefined)?.terminal !== false;
    return launchSpec(svc, spec, info.level, { terminal });
  },
};
