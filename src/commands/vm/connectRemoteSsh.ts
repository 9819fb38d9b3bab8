import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type * as Qemu from '../../backends/qemu';
import { CancelledError, UserError } from '../../common/errors';
import { loadLazy } from '../../host/lazy';
import type { Command } from '../command';
import { sshTarget } from './sshTarget';

const REMOTE_SSH = 'ms-vscode-remote.remote-ssh';

/**
 * Opens the VM in a new window through Remote-SSH. Remote-SSH reads ssh's own configuration, so
 * the VM's alias must be known there: with the user's consent (asked once, remembered) one
 * `Include` of Podvisor's SSH config goes to the top of ~/.ssh/config; without it, nothing is
 * changed and the SSH command is offered instead.
 */
export const connectRemoteSsh: Command = {
  id: 'podvisor.vm.connectRemoteSsh',
  async execute(svc, arg) {
    const t = await sshTarget(svc, arg);
    if (!t) return undefined;
    const Q = loadLazy<typeof Qemu>('qemu');
    const userConfig = path.join(os.homedir(), '.ssh', 'config');
    const current = fs.existsSync(userConfig) ? fs.readFileSync(userConfig, 'utf8') : '';
    if (!Q.includesPodvisorConfig(current, t.configFile)) {
      const add = vscode.l10n.t('Add the Include');
      const copy = vscode.l10n.t('Copy SSH Command Instead');
      const pick = await vscode.window.showInformationMessage(
        vscode.l10n.t(
          'Remote-SSH finds hosts in ~/.ssh/config. Add one line to it so that {0} is known?',
          t.alias,
        ),
        {
          modal: true,
          detail: vscode.l10n.t(
            'It adds "{0}" at the top of {1}; nothing else is changed.',
            Q.includeLine(t.configFile),
            userConfig,
          ),
        },
        add,
        copy,
      );
      if (pick === copy) return vscode.commands.executeCommand('podvisor.vm.copySshCommand', t.name);
      if (pick !== add) throw new CancelledError();
      Q.addInclude(userConfig, t.configFile);
      svc.log.info(`SSH: added "${Q.includeLine(t.configFile)}" to ${userConfig}`);
    }
    if (!vscode.extensions.getExtension(REMOTE_SSH))
      throw new UserError(
        vscode.l10n.t(
          'Connect with Remote-SSH needs the Remote - SSH extension ({0}). {1} is ready in ~/.ssh/config for it, or use Copy SSH Command.',
          REMOTE_SSH,
          t.alias,
        ),
      );
    await vscode.commands.executeCommand('vscode.newWindow', {
      remoteAuthority: `ssh-remote+${t.alias}`,
      reuseWindow: false,
    });
    return t.alias;
  },
};
