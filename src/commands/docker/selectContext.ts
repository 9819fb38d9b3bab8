import * as os from 'os';
import * as vscode from 'vscode';
import { CancelledError } from '../../common/errors';
import type { Command } from '../command';

/**
 * "Select Docker context…": the CLI's contexts plus "automatic". The choice is Podvisor's own
 * setting (like `docker --context`), so the user's global CLI configuration stays untouched.
 */
export const selectDockerContext: Command = {
  id: 'podvisor.docker.selectContext',
  async execute(svc, ...args) {
    const m = svc.containers.module();
    const s = svc.settings.current.docker;
    const contexts = m.listContexts({ env: process.env, home: os.homedir() });
    type Item = vscode.QuickPickItem & { ctx?: string; auto?: boolean };
    const items: Item[] = [
      {
        label: vscode.l10n.t('$(sync) Automatic'),
        description: vscode.l10n.t(
          'like the docker CLI: DOCKER_HOST, current context, default socket, Podman',
        ),
        auto: true,
        picked: !s.context && !s.host,
      },
      ...contexts.map((c) => ({
        label: `${c.name === s.context ? '$(check) ' : ''}${c.name}`,
        description: c.host,
        detail:
          [c.description, c.current ? vscode.l10n.t('current CLI context') : '']
            .filter(Boolean)
            .join(' · ') || undefined,
        ctx: c.name,
      })),
    ];
    const given = typeof args[0] === 'string' ? args[0] : undefined;
    const pick =
      given !== undefined
        ? given === ''
          ? items[0]
          : items.find((i) => i.ctx === given)
        : await vscode.window.showQuickPick(items, {
            placeHolder: vscode.l10n.t(
              'Docker context to use (now: {0})',
              svc.containers.endpointText() || '—',
            ),
          });
    if (!pick) throw new CancelledError();
    const cfg = vscode.workspace.getConfiguration('podvisor.docker');
    // An explicit host would override any context: clear it wherever it is set, so the pick takes effect.
    if (s.host) {
      const i = cfg.inspect<string>('host');
      if (i?.workspaceFolderValue !== undefined && vscode.workspace.workspaceFolders?.[0]) {
        await vscode.workspace
          .getConfiguration('podvisor.docker', vscode.workspace.workspaceFolders[0].uri)
          .update('host', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
      }
      if (i?.workspaceValue !== undefined)
        await cfg.update('host', undefined, vscode.ConfigurationTarget.Workspace);
      if (i?.globalValue !== undefined)
        await cfg.update('host', undefined, vscode.ConfigurationTarget.Global);
    }
    await cfg.update('context', pick.auto ? undefined : pick.ctx, vscode.ConfigurationTarget.Global);
  },
};
