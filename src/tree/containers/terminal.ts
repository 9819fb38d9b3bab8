import * as vscode from 'vscode';
import type { Session } from '../../backends/docker/sessions';
import { messageOf } from '../../common/errors';

/**
 * A terminal fed by a backend Session (followed logs, exec shell). The session opens when the
 * terminal does, so its size is known before the shell starts; closing the terminal closes it.
 */
export function openSessionTerminal(
  name: string,
  open: (dims: { cols?: number; rows?: number }) => Promise<Session>,
  interactive: boolean,
): vscode.Terminal {
  const write = new vscode.EventEmitter<string>();
  const close = new vscode.EventEmitter<number | void>();
  let session: Session | undefined;
  let closed = false;
  const pty: vscode.Pseudoterminal = {
    onDidWrite: write.event,
    onDidClose: close.event,
    open(dims) {
      open({ cols: dims?.columns, rows: dims?.rows }).then(
        (s) => {
          if (closed) return s.close();
          session = s;
          s.onData((t) => write.fire(t));
          s.onExit((code) => {
            write.fire(
              `\r\n\x1b[2m[${code === undefined ? vscode.l10n.t('stream ended') : vscode.l10n.t('exited with code {0}', code)}]\x1b[0m\r\n`,
            );
            // A shell's terminal goes away with the shell; a log terminal stays for reading.
            if (interactive) close.fire(code ?? 0);
          });
        },
        (e) => {
          write.fire(`\x1b[31m${messageOf(e)}\x1b[0m\r\n`);
        },
      );
    },
    close() {
      closed = true;
      session?.close();
      write.dispose();
      close.dispose();
    },
    handleInput: interactive ? (data) => session?.write(data) : undefined,
    setDimensions: (d) => session?.resize(d.columns, d.rows),
  };
  const t = vscode.window.createTerminal({
    name,
    pty,
    iconPath: new vscode.ThemeIcon(interactive ? 'terminal' : 'output'),
    isTransient: true,
  });
  t.show();
  return t;
}
