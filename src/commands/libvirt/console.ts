import * as vscode from 'vscode';
import type { Services } from '../../host/services';
import type { Command } from '../command';
import { targetDomain } from './target';

/**
 * Opens the domain's serial console in a terminal. `virsh console` insists on a controlling
 * TTY, which a pipe-backed Pseudoterminal can't give it; a terminal whose process is virsh
 * itself (argument array, no shell) gets VS Code's real pty: input, output, resize, colours.
 * Closing the terminal ends virsh; Ctrl+] detaches. Returns the terminal.
 */
export const openConsole: Command = {
  id: 'podvisor.libvirt.console',
  async execute(svc: Services, arg?: unknown) {
    const ref = await targetDomain(
      svc,
      arg,
      ['running', 'paused'],
      vscode.l10n.t('Domain whose serial console to open'),
    );
    if (!ref) return undefined;
    const { command, args } = svc.libvirt.client(ref.uri).consoleCommand(ref.name);
    const name = vscode.l10n.t('{0} (serial)', ref.name);
    const existing = vscode.window.terminals.find((t) => t.name === name && t.exitStatus === undefined);
    if (existing) {
      existing.show();
      return existing;
    }
    const term = vscode.window.createTerminal({
      name,
      shellPath: command,
      shellArgs: args,
      iconPath: new vscode.ThemeIcon('vm-connect'),
      isTransient: true,
    });
    term.show();
    svc.log.info(`libvirt ${ref.uri}: console of ${ref.name} opened (${command} ${args.join(' ')})`);
    return term;
  },
};
