import * as vscode from 'vscode';
import { CancelledError } from '../../common/errors';
import type { Command } from '../command';

/** Add Registry…: its URL goes into podvisor.registries (user settings); no secret does. */
export const addRegistry: Command = {
  id: 'podvisor.registry.add',
  async execute(_svc, ...args) {
    const given = typeof args[0] === 'string' ? args[0] : undefined;
    const url =
      given ??
      (await vscode.window.showInputBox({
        title: vscode.l10n.t('Registry address'),
        placeHolder: 'https://registry.example:5000',
        validateInput: (v) => {
          try {
            const u = new URL(/^[a-z]+:\/\//.test(v) ? v : `https://${v}`);
            return u.protocol === 'https:' || u.protocol === 'http:'
              ? undefined
              : vscode.l10n.t('An https:// address');
          } catch {
            return vscode.l10n.t('An address like registry.example:5000');
          }
        },
      }));
    if (!url) throw new CancelledError();
    const cfg = vscode.workspace.getConfiguration('podvisor');
    const list = (cfg.get<unknown[]>('registries') ?? []).slice();
    list.push({ url: /^[a-z]+:\/\//.test(url) ? url : `https://${url}` });
    await cfg.update('registries', list, vscode.ConfigurationTarget.Global);
  },
};
