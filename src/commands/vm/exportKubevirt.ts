import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type * as Qemu from '../../backends/qemu';
import { CancelledError } from '../../common/errors';
import { loadLazy } from '../../host/lazy';
import { withProgress } from '../../host/progress';
import { engineAuth } from '../../tree/registries/credentials';
import type { Command } from '../command';
import { targetVm } from './target';

interface Preset {
  /** `host[:port]` of a registry to push to; '' builds a local image only. */
  readonly registry?: string;
  /** Do not open the manifest (tests). */
  readonly noOpen?: boolean;
}

export interface ExportOutcome {
  readonly image: string;
  readonly file: string;
  readonly pushed: boolean;
  readonly notes: readonly string[];
}

/**
 * "Export to KubeVirt…" on a stopped VM: builds its containerDisk image on the local engine,
 * pushes it when a registry is chosen, writes the matching VirtualMachine manifest into the VM's
 * folder (`kubevirt/<name>.yaml`) and opens it — where Run Locally and Apply to Cluster are.
 */
export const exportKubevirt: Command = {
  id: 'podvisor.vm.exportKubevirt',
  async execute(svc, arg, preset): Promise<ExportOutcome | undefined> {
    const t = await targetVm(svc, arg, ['stopped'], vscode.l10n.t('Select a stopped VM to export'));
    if (!t) return undefined;
    const Q = loadLazy<typeof Qemu>('qemu');
    const p = (typeof preset === 'object' && preset !== null ? preset : {}) as Preset;
    const info = t.store.info(t.name);
    const spec = info.spec;
    if (!spec) throw new Error(info.problem ?? t.name);
    let host = p.registry;
    if (host === undefined) {
      const regs = svc.settings.current.registries.registries;
      const local = { label: vscode.l10n.t('Local image only (no push)'), host: '' };
      const pick = regs.length
        ? await vscode.window.showQuickPick(
            [...regs.map((r) => ({ label: r.name, description: r.url, host: new URL(r.url).host })), local],
            { placeHolder: vscode.l10n.t('Push the containerDisk of {0} to', t.name) },
          )
        : local;
      if (!pick) throw new CancelledError();
      host = pick.host;
    }
    const name = Q.kubeName(t.name);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
    const image = `${host ? `${host}/` : ''}podvisor/${name}-disk:${stamp.toLowerCase()}`;
    const client = await svc.containers.client();
    const dm = svc.containers.module();
    const result = await withProgress(
      vscode.l10n.t('Exporting {0} to KubeVirt', t.name),
      async (signal, report) => {
        report(vscode.l10n.t('flattening the disk and building {0}', image));
        const r = await Q.exportToKubevirt({
          dir: info.dir,
          spec,
          engine: client,
          image,
          signal,
          onLine: (l) => svc.log.debug(`[export] ${l}`),
        });
        if (host) {
          report(vscode.l10n.t('pushing {0}', image));
          await dm.pushImage(client, image, {
            auth: await engineAuth(svc, host),
            signal,
            onProgress: (x) => report(`${x.id ? `${x.id}: ` : ''}${x.status}`),
          });
        }
        return r;
      },
    );
    const file = path.join(info.dir, 'kubevirt', `${name}.yaml`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, result.yaml);
    svc.log.info(
      `VM ${t.name} exported: ${image} (disk ${(result.diskBytes / 1048576).toFixed(0)} MiB)${host ? ', pushed' : ''}, manifest ${file}${result.notes.length ? `; ${result.notes.join('; ')}` : ''}`,
    );
    if (!p.noOpen) {
      await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
      void vscode.window.showInformationMessage(
        host
          ? vscode.l10n.t('Exported {0}: {1} pushed; the manifest is open.', t.name, image)
          : vscode.l10n.t(
              'Exported {0} as the local image {1} (no registry: a cluster cannot pull it yet); the manifest is open.',
              t.name,
              image,
            ),
      );
    }
    return { image, file, pushed: !!host, notes: result.notes };
  },
};
