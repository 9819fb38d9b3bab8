import * as vscode from 'vscode';
import type { Command } from '../command';
import { secretKey } from '../../tree/registries/credentials';
import { registryTarget } from './target';

/** Remove Registry: out of podvisor.registries, and its stored password out of SecretStorage. */
export const removeRegistry: Command = {
  id: 'podvisor.registry.remove',
  async execute(svc, ...args) {
    const reg = await registryTarget(svc, args[0]);
    await svc.context.secrets.delete(secretKey(reg.url));
    const cfg = vscode.workspace.getConfiguration('podvisor');
    const i = cfg.inspect<unknown[]>('registries');
    for (const [value, target] of [
      [i?.globalValue, vscode.ConfigurationTarget.Global],
      [i?.workspaceValue, vscode.ConfigurationTarget.Workspace],
    ] as const) {
      if (!Array.isArray(value)) continue;
      const next = value.filter((x) => {
        const u = typeof x === 'string' ? x : (x as { url?: unknown }).url;
        return typeof u !== 'string' || u.replace(/\/+$/, '') !== reg.url;
      });
      if (next.length !== value.length) await cfg.update('registries', next, target);
    }
  },
};
