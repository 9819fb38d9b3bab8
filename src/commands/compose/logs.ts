import * as vscode from 'vscode';
import { messageOf } from '../../common/errors';
import type { Command } from '../command';
import { composeFor, composeTarget } from './project';

/** `compose logs -f` of the project (or the service clicked) in a terminal; closing it ends the follow. */
export const composeLogs: Command = {
  id: 'podvisor.compose.logs',
  async execute(svc, ...args) {
    const t = await composeTarget(svc, args);
    const compose = await composeFor(svc, t.engine);
    const write = new vscode.EventEmitter<string>();
    const ac = new AbortController();
    const pty: vscode.Pseudoterminal = {
      onDidWrite: write.event,
      open() {
        const h = compose.logs(t.project, {
          services: t.service ? [t.service] : [],
          tail: svc.settings.current.docker.logsTail,
          signal: ac.signal,
        });
        for (const s of [h.stdout, h.stderr])
          s?.setEncoding('utf8').on('data', (d: string) => write.fire(d.replace(/\r?\n/g, '\r\n')));
        h.done().then(
          () => write.fire(`\r\n\x1b[2m[${vscode.l10n.t('logs ended')}]\x1b[0m\r\n`),
          (e) => {
            if (!ac.signal.aborted) write.fire(`\r\n\x1b[31m${messageOf(e)}\x1b[0m\r\n`);
          },
        );
      },
      close() {
        ac.abort();
        write.dispose();
      },
    };
    const term = vscode.window.createTerminal({
      name: vscode.l10n.t('Compose logs: {0}', t.service ? `${t.label} / ${t.service}` : t.label),
      pty,
      iconPath: new vscode.ThemeIcon('output'),
      isTransient: true,
    });
    term.show();
    return term;
  },
};
