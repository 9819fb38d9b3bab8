import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import type { Command } from '../command';
import { launchSpec, requireTrust, targetSandbox } from './common';

/**
 * Rebuild: remove the sandbox (containers, built images) and launch it again at the same level
 * from its source, re-reading devcontainer.json so edits take effect.
 */
export const rebuildSandbox: Command = {
  id: 'podvisor.sandbox.rebuild',
  async execute(svc, arg?: unknown, opts?: unknown) {
    requireTrust();
    const info = await targetSandbox(svc, arg);
    const name = info.name;
    const mgr = svc.sandboxes.backend();
    const old = await mgr.specOf(info);
    if (!old)
      throw new UserError(
        vscode.l10n.t('Sandbox {0} cannot be rebuilt: {1}', name, info.problem ?? 'its spec cannot be read'),
      );
    const m = svc.sandboxes.module();
    // Parse the new spec before removing anything, so a broken edit leaves the old sandbox alone.
    const spec =
      old.source.kind === 'devcontainer' && old.source.file && old.workspace
        ? m.loadDevcontainer({ workspaceFolder: old.workspace.hostPath, file: old.source.file })
        : old;
    for (const t of vscode.window.terminals) if (t.name === `Sandbox: ${name}`) t.dispose();
    await mgr.remove(info);
    const terminal = (opts as { terminal?: unknown } | undefined)?.terminal !== false;
    return launchSpec(svc, spec, info.level, { terminal });
  },
};
