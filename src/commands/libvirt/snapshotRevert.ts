import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import type { Services } from '../../host/services';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { afterAction, targetDomain } from './target';
import { pickSnapshot } from './snapshotPick';

/**
 * Reverts a domain to a snapshot, after asking (everything since the snapshot is lost).
 * Arguments for scripted use: (domain, snapshotName?) — a named snapshot skips the pick, not the question.
 */
export const revertSnapshot: Command = {
  id: 'podvisor.libvirt.snapshotRevert',
  async execute(svc: Services, arg?: unknown, nameArg?: unknown) {
    const ref = await targetDomain(
      svc,
      arg,
      ['running', 'paused', 'shutoff'],
      vscode.l10n.t('Domain to revert'),
    );
    if (!ref) return;
    const client = svc.libvirt.client(ref.uri);
    const snaps = await client.snapshots(ref.name);
    if (snaps.length === 0) throw new UserError(vscode.l10n.t('{0} has no snapshots.', ref.name));
    const name =
      typeof nameArg === 'string'
        ? nameArg
        : (await pickSnapshot(snaps, vscode.l10n.t('Revert {0} to…', ref.name)))?.name;
    if (!name) return;
    if (!snaps.some((s) => s.name === name))
      throw new UserError(vscode.l10n.t('{0} has no snapshot named "{1}".', ref.name, name));
    const button = vscode.l10n.t('Revert');
    const ok = await vscode.window.showWarningMessage(
      vscode.l10n.t('Revert "{0}" to snapshot "{1}"? Changes since the snapshot are lost.', ref.name, name),
      { modal: true },
      button,
    );
    if (ok !== button) return;
    await withProgress(vscode.l10n.t('Reverting {0} to {1}…', ref.name, name), (signal) =>
      client.revertSnapshot(ref.name, name, { signal }),
    );
    svc.log.info(`libvirt ${ref.uri}: ${ref.name} reverted to ${name}`);
    await afterAction(svc, ref);
  },
};
