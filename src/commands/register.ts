import * as vscode from 'vscode';
import { isCancelled, messageOf } from '../common/errors';
import { logFailure } from '../common/log';
import type { Services } from '../host/services';
import type { Command } from './command';

const OPEN_LOG = vscode.l10n.t('Open Log');

/** Registers every command of the table behind one wrapper for errors, logging and cancellation. */
export function registerCommands(svc: Services, table: readonly Command[]): vscode.Disposable[] {
  return table.map((cmd) =>
    vscode.commands.registerCommand(cmd.id, (...args: unknown[]) => run(svc, cmd, args)),
  );
}

async function run(svc: Services, cmd: Command, args: unknown[]): Promise<unknown> {
  const t0 = performance.now();
  svc.log.debug(`${cmd.id}: start`);
  try {
    const result = await cmd.execute(svc, ...args);
    svc.log.debug(`${cmd.id}: done in ${(performance.now() - t0).toFixed(0)} ms`);
    return result;
  } catch (e) {
    if (isCancelled(e)) {
      svc.log.info(`${cmd.id}: cancelled`);
      return undefined;
    }
    logFailure(svc.log, cmd.id, e);
    // Not awaited: the command settles now; the notification stays until dismissed.
    void vscode.window.showErrorMessage(messageOf(e), OPEN_LOG).then((pick) => {
      if (pick === OPEN_LOG) svc.log.show(true);
    });
    return undefined;
  }
}
