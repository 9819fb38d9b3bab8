import type * as vscode from 'vscode';
import type { Logger } from '../../common/log';
import type { Services } from '../../host/services';
import type { SettingsStore } from '../../host/settingsStore';
import { reattachTerminals } from '../../commands/sandbox/common';
import { SandboxManager } from './manager';
import { SandboxesSection } from './section';

export function createSandboxesSection(
  log: Logger,
  settings: SettingsStore,
  context: vscode.ExtensionContext,
): SandboxesSection {
  return new SandboxesSection(new SandboxManager(log, () => settings.current, context), log);
}

/** Adds the section and re-opens the terminals that were open before a window reload. */
export function registerSandboxes(svc: Services): vscode.Disposable[] {
  const d = svc.tree.addSection(svc.sandboxes);
  // Not awaited: activation stays fast; a failure only means no terminals come back.
  void reattachTerminals(svc).catch((e: unknown) =>
    svc.log.warn(`sandboxes: could not re-attach terminals: ${String(e)}`),
  );
  return [d];
}
