import * as vscode from 'vscode';
import { CancelledError } from '../../common/errors';

/** One validated question of the VM wizards; Escape cancels the whole flow. */
export async function ask(
  prompt: string,
  value: string,
  validate: (v: string) => string | undefined,
): Promise<string> {
  const v = await vscode.window.showInputBox({
    prompt,
    value,
    validateInput: validate,
    ignoreFocusOut: true,
  });
  if (v === undefined) throw new CancelledError();
  return v.trim();
}
