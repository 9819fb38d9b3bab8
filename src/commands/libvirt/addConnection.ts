import * as vscode from 'vscode';
import { messageOf } from '../../common/errors';
import type { Services } from '../../host/services';
import type { Command } from '../command';

/** Adds a libvirt URI (e.g. qemu+ssh://host/system) to podvisor.libvirt.uris, as a new group. */
export const addConnection: Command = {
  id: 'podvisor.libvirt.addConnection',
  async execute(svc: Services, uriArg?: unknown) {
    const section = svc.libvirt;
    const current = svc.settings.current.libvirt.uris;
    const uri =
      typeof uriArg === 'string'
        ? uriArg
        : await vscode.window.showInputBox({
            title: vscode.l10n.t('Add libvirt Connection'),
            prompt: vscode.l10n.t('Connection URI, as for virsh -c'),
            placeHolder: 'qemu:///system, qemu:///session, qemu+ssh://user@host/system',
            validateInput: (v) => {
              if (current.includes(v.trim())) return vscode.l10n.t('Already shown');
              try {
                section.backend.checkUri(v.trim());
                return undefined;
              } catch (e) {
                return messageOf(e);
              }
            },
          });
    if (!uri) return;
    section.backend.checkUri(uri.trim());
    if (current.includes(uri.trim())) return;
    await vscode.workspace
      .getConfiguration('podvisor')
      .update('libvirt.uris', [...current, uri.trim()], vscode.ConfigurationTarget.Global);
  },
};
