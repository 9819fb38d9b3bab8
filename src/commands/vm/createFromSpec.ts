import * as fs from 'fs';
import * as vscode from 'vscode';
import type * as Qemu from '../../backends/qemu';
import { loadLazy } from '../../host/lazy';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';

/**
 * "Create VM from Spec File": a JSON or YAML file (the active editor's, the explorer's
 * selection, or a picked one) describing the VM, for repeatable setups. Relative paths in it
 * are relative to the file. See `parseCreateRequest` for the format.
 */
export const createVmFromSpec: Command = {
  id: 'podvisor.vm.createFromSpec',
  async execute(svc, arg) {
    let file: string | undefined;
    if (arg instanceof vscode.Uri) file = arg.fsPath;
    else if (typeof arg === 'string') file = arg;
    else {
      const active = vscode.window.activeTextEditor?.document;
      if (active && /\.(ya?ml|json)$/i.test(active.fileName) && active.uri.scheme === 'file')
        file = active.fileName;
      else {
        const uris = await vscode.window.showOpenDialog({
          title: vscode.l10n.t('VM spec file'),
          filters: { [vscode.l10n.t('VM spec')]: ['yaml', 'yml', 'json'] },
        });
        file = uris?.[0]?.fsPath;
      }
    }
    if (!file) return;
    const Q = loadLazy<typeof Qemu>('qemu');
    const text =
      (await vscode.workspace.openTextDocument(file).then(
        (d) => d.getText(),
        () => undefined,
      )) ?? fs.readFileSync(file, 'utf8');
    const req = Q.parseCreateRequest(text, file);
    const store = await svc.vms.ready();
    return withProgress(vscode.l10n.t('Creating VM {0}…', req.name), (signal) => store.create(req, signal));
  },
};
