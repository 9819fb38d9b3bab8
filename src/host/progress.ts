import * as vscode from 'vscode';
import { CancelledError } from '../common/errors';

export type Report = (message: string, increment?: number) => void;

/**
 * Runs long work in a cancellable notification. The work receives an AbortSignal that is
 * aborted when the user presses Cancel (or the caller's token fires), and passes it down to the
 * process or request so that cancelling really stops it.
 */
export async function withProgress<T>(
  title: string,
  work: (signal: AbortSignal, report: Report) => Promise<T>,
  token?: vscode.CancellationToken,
): Promise<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, uiToken) => {
      const ac = new AbortController();
      const subs = [
        uiToken.onCancellationRequested(() => ac.abort()),
        token?.onCancellationRequested(() => ac.abort()),
      ];
      try {
        const result = await work(ac.signal, (message, increment) => progress.report({ message, increment }));
        if (ac.signal.aborted) throw new CancelledError();
        return result;
      } finally {
        for (const s of subs) s?.dispose();
      }
    },
  );
}
