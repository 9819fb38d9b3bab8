import * as vscode from 'vscode';
import type * as Qemu from '../../backends/qemu';

const open = new Map<string, vscode.Terminal>();

/**
 * A terminal bridged to the VM's serial console: output (the recent history first, then live)
 * and input both ways. One per VM; opening it again shows the existing one. When the VM stops
 * the terminal says so and stays open with what was printed.
 */
export function showSerialTerminal(name: string, serial: Qemu.SerialChannel): vscode.Terminal {
  const existing = open.get(name);
  if (existing && existing.exitStatus === undefined) {
    existing.show();
    return existing;
  }
  const write = new vscode.EventEmitter<string>();
  let onData: ((d: Buffer) => void) | undefined;
  let onClose: (() => void) | undefined;
  const pty: vscode.Pseudoterminal = {
    onDidWrite: write.event,
    open() {
      // Serial consoles send bare \n in places; the terminal needs \r\n.
      const fix = (s: string) => s.replace(/\r?\n/g, '\r\n');
      const history = serial.output.slice(-32 * 1024);
      if (history) write.fire(fix(history));
      if (serial.closed) {
        write.fire('\r\n' + vscode.l10n.t('[VM {0} is not running]', name) + '\r\n');
        return;
      }
      onData = (d) => write.fire(fix(d.toString('utf8')));
      onClose = () => write.fire('\r\n' + vscode.l10n.t('[VM {0} stopped]', name) + '\r\n');
      serial.on('data', onData);
      serial.on('close', onClose);
    },
    close() {
      if (onData) serial.off('data', onData);
      if (onClose) serial.off('close', onClose);
      open.delete(name);
      write.dispose();
    },
    handleInput(data) {
      serial.write(data);
    },
  };
  const term = vscode.window.createTerminal({
    name: vscode.l10n.t('VM {0} (serial)', name),
    pty,
    iconPath: new vscode.ThemeIcon('vm'),
  });
  open.set(name, term);
  term.show();
  return term;
}
