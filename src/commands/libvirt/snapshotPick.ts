import * as vscode from 'vscode';
import type { Snapshot } from '../../backends/libvirt';

/** A quick pick over snapshots, newest first, the current one marked. */
export async function pickSnapshot(
  snaps: readonly Snapshot[],
  placeHolder: string,
): Promise<Snapshot | undefined> {
  const items = [...snaps]
    .sort((a, b) => b.created.localeCompare(a.created))
    .map((s) => ({
      label: s.name,
      description: `${s.created} · ${s.state}${s.current ? ` · ${vscode.l10n.t('current')}` : ''}`,
      snap: s,
    }));
  return (await vscode.window.showQuickPick(items, { placeHolder }))?.snap;
}
