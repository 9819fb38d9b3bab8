import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../common/errors';
import type { Command } from '../command';
import { registryClient, secretKey } from '../../tree/registries/credentials';
import { registryTarget } from './target';

/**
 * Log In to Registry: user name and password, checked against the registry (GET /v2/) before
 * they are kept — in VS Code's SecretStorage, never in settings. A test passes
 * `{ username, password }` as the second argument.
 */
export const loginRegistry: Command = {
  id: 'podvisor.registry.login',
  async execute(svc, ...args) {
    const reg = await registryTarget(svc, args[0]);
    const given = args[1] as { username?: string; password?: string } | undefined;
    const username =
      given?.username ??
      (await vscode.window.showInputBox({
        title: vscode.l10n.t('User name for {0}', reg.url),
        value: reg.username ?? '',
      }));
    if (username === undefined) throw new CancelledError();
    const password =
      given?.password ??
      (await vscode.window.showInputBox({
        title: vscode.l10n.t('Password for {0}', username),
        password: true,
      }));
    if (password === undefined) throw new CancelledError();
    const probe = registryClient(svc, reg);
    const key = secretKey(reg.url);
    const before = await svc.context.secrets.get(key);
    await svc.context.secrets.store(key, JSON.stringify({ username, password }));
    try {
      await probe.check();
    } catch (e) {
      // Wrong credentials are not kept: put back what was there.
      if (before === undefined) await svc.context.secrets.delete(key);
      else await svc.context.secrets.store(key, before);
      throw e instanceof UserError ? e : new UserError(String(e));
    }
    await svc.registries.refresh(reg.url);
  },
};
