import * as vscode from 'vscode';
import type { Command } from '../command';
import { httpOf, targetObject } from './target';

/** The VM's serial console in a terminal, over the `console` WebSocket (plain.kubevirt.io). */
export const kubeVmConsole: Command = {
  id: 'podvisor.kube.vm.console',
  async execute(svc, arg?: unknown) {
    const ref = await targetObject(
      svc,
      arg,
      ['virtualmachines', 'virtualmachineinstances'],
      vscode.l10n.t('VirtualMachine whose console to open'),
    );
    const http = httpOf(svc, ref.context);
    const stream = await svc.clusters.backend.openVmStream(http, ref.namespace, ref.name, 'console');
    const write = new vscode.EventEmitter<string>();
    const close = new vscode.EventEmitter<number | void>();
    stream.on('data', (d: Buffer) => write.fire(d.toString('utf8').replace(/\r?\n/g, '\r\n')));
    stream.on('close', () => close.fire());
    stream.on('error', (e: Error) => {
      write.fire(`\r\n[${e.message}]\r\n`);
      close.fire();
    });
    const pty: vscode.Pseudoterminal = {
      onDidWrite: write.event,
      onDidClose: close.event,
      open: () => stream.write('\r'),
      close: () => stream.destroy(),
      handleInput: (data) => stream.write(data),
    };
    const t = vscode.window.createTerminal({
      name: vscode.l10n.t('Console {0}', `${ref.namespace}/${ref.name}`),
      pty,
    });
    t.show();
    return t;
  },
};
