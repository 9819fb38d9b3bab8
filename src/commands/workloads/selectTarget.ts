import * as os from 'os';
import * as vscode from 'vscode';
import { CancelledError } from '../../common/errors';
import type { Command } from '../command';

type Item = vscode.QuickPickItem & { run?: () => Thenable<unknown> };

/**
 * "Podvisor: Select Target…": one list of what the sections can show — Docker contexts, libvirt
 * connections, kube contexts — and the pick sets that section's target.
 */
export const selectTarget: Command = {
  id: 'podvisor.selectTarget',
  async execute(svc) {
    const items: Item[] = [];
    const sep = (label: string): Item => ({ label, kind: vscode.QuickPickItemKind.Separator });
    try {
      const docker = svc.containers.module().listContexts({ env: process.env, home: os.homedir() });
      items.push(sep('Docker'));
      for (const c of docker)
        items.push({
          label: `${c.name === svc.settings.current.docker.context ? '$(check) ' : ''}$(package) ${c.name}`,
          description: c.host,
          run: () => vscode.commands.executeCommand('podvisor.docker.selectContext', c.name),
        });
    } catch (e) {
      svc.log.warn(`Select Target: Docker contexts: ${(e as Error).message}`);
    }
    const uris = svc.settings.current.libvirt.uris;
    if (uris.length) items.push(sep('libvirt'));
    for (const u of uris)
      items.push({
        label: `${u === uris[0] ? '$(check) ' : ''}$(vm) ${u}`,
        description: vscode.l10n.t('libvirt connection'),
        // First in the list is the one the libvirt section shows first (the others stay).
        run: () =>
          vscode.workspace
            .getConfiguration('podvisor.libvirt')
            .update('uris', [u, ...uris.filter((x) => x !== u)], vscode.ConfigurationTarget.Global),
      });
    const kube = svc.clusters.contexts();
    if (kube.length) items.push(sep('Kubernetes'));
    for (const c of kube)
      items.push({
        label: `${c.name === svc.clusters.selectedContext ? '$(check) ' : ''}$(cloud) ${c.name}`,
        description: c.info.server,
        run: () => vscode.commands.executeCommand('podvisor.kube.selectContext', c.name),
      });
    const pick = await vscode.window.showQuickPick(items, {
      placeHolder: vscode.l10n.t('Target for the Workloads view'),
      matchOnDescription: true,
    });
    if (!pick?.run) throw new CancelledError();
    await pick.run();
  },
};
