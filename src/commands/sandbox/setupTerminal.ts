/**
 * The output of a launch's lifecycle hooks, builds and initializeCommand in a read-only
 * terminal ("Sandbox setup: NAME"), created when the first output arrives so a launch without
 * hooks opens nothing. It stays after the launch for reading; closing it stops nothing.
 */
import * as vscode from 'vscode';

export interface SetupOutput {
  write(text: string): void;
  /** A last line (done, failed, cancelled). */
  end(line: string): void;
}

export function setupOutput(name: string): SetupOutput {
  let emitter: vscode.EventEmitter<string> | undefined;
  let opened = false;
  const pending: string[] = [];
  const put = (t: string) => {
    const text = t.replace(/\r?\n/g, '\r\n');
    if (opened && emitter) emitter.fire(text);
    else pending.push(text);
  };
  const ensure = () => {
    if (emitter) return;
    const e = new vscode.EventEmitter<string>();
    emitter = e;
    const pty: vscode.Pseudoterminal = {
      onDidWrite: e.event,
      open() {
        opened = true;
        for (const p of pending.splice(0)) e.fire(p);
      },
      close() {
        opened = false;
        e.dispose();
      },
    };
    vscode.window
      .createTerminal({
        name: `Sandbox setup: ${name}`,
        pty,
        iconPath: new vscode.ThemeIcon('tools'),
        isTransient: true,
      })
      .show(true);
  };
  return {
    write(text) {
      ensure();
      put(text);
    },
    end(line) {
      if (!emitter) return;
      put(`\n\x1b[2m[${line}]\x1b[0m\n`);
    },
  };
}
