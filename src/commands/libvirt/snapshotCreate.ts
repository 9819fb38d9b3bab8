import * as vscode from 'vscode';
import type { Services } from '../../host/services';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { targetDomain } from './target';

const SNAPSHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9._+:@-]{0,99}$/;

function defaultName(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `snap-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * Takes an internal snapshot (disks and, for a running domain, memory). Arguments for scripted
 * use: (domain, snapshotName?).
 */
export const createSnapshot: Command = {
  id: 'podvisor.libvirt.snapshotCreate',
  async execute(svc: Services, arg?: unknown, nameArg?: unknown) {
    const ref = await targetDomain(
      svc,
      arg,
      ['running', 'paused', 'shutoff'],
      vscode.l10n.t('Domain to snapshot'),
    );
    if (!ref) return;
    const name =
      typeof nameArg === 'string'
        ? nameArg
        : await vscode.window.showInputBox({
            title: vscode.l10n.t('Snapshot of {0}', ref.name),
            prompt: vscode.l10n.t('Snapshot name'),
            value: defaultName(),
            validateInput: (v) =>
              SNAPSHOT_NAME.test(v)
                ? undefined
                : vscode.l10n.t(
                    'Letters, digits and . _ + : @ - (start with a letter or digit, at most 100)',
                  ),
          });
    if (!name) return;
    const client = svc.libvirt.client(ref.uri);
    await withProgress(vscode.l10n.t('Snapshotting {0} as {1}…', ref.name, name), (signal) =>
      client.createSnapshot(ref.name, name, undefined, { signal }),
    );
    svc.log.info(`libvirt ${ref.uri}: snapshot ${name} of ${ref.name} created`);
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Snapshot "{0}" of {1} created.', name, ref.name),
    );
  },
};
