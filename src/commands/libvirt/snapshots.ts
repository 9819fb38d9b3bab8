import * as vscode from 'vscode';
import type { Services } from '../../host/services';
import type { Command } from '../command';
import { targetDomain } from './target';
import { pickSnapshot } from './snapshotPick';

/**
 * Lists a domain's snapshots; picking one offers Revert or Delete. Returns the list, so other
 * extensions (and tests) can read it with `executeCommand`.
 */
export const listSnapshots: Command = {
  id: 'podvisor.libvirt.snapshots',
  async execute(svc: Services, arg?: unknown, opts?: unknown) {
    const ref = await targetDomain(
      svc,
      arg,
      ['running', 'paused', 'shutoff', 'unknown'],
      vscode.l10n.t('Domain whose snapshots to show'),
    );
    if (!ref) return undefined;
    const client = svc.libvirt.client(ref.uri);
    const snaps = await client.snapshots(ref.name);
    if ((opts as { quiet?: unknown } | undefined)?.quiet === true) return snaps;
    if (snaps.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('{0} has no snapshots.', ref.name));
      return snaps;
    }
    const picked = await pickSnapshot(snaps, vscode.l10n.t('Snapshots of {0}', ref.name));
    if (!picked) return snaps;
    const revert = vscode.l10n.t('Revert to It');
    const del = vscode.l10n.t('Delete It');
    const what = await vscode.window.showQuickPick([revert, del], {
      placeHolder: vscode.l10n.t('Snapshot "{0}"', picked.name),
    });
    if (what === revert)
      await vscode.commands.executeCommand('podvisor.libvirt.snapshotRevert', ref, picked.name);
    else if (what === del) {
      const button = vscode.l10n.t('Delete');
      const ok = await vscode.window.showWarningMessage(
        vscode.l10n.t('Delete snapshot "{0}" of {1}?', picked.name, ref.name),
        { modal: true },
        button,
      );
      if (ok !== button) return snaps;
      await client.deleteSnapshot(ref.name, picked.name);
      svc.log.info(`libvirt ${ref.uri}: snapshot ${picked.name} of ${ref.name} deleted`);
    }
    return snaps;
  },
};
