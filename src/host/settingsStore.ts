import * as vscode from 'vscode';
import { readSettings, type Settings } from '../common/settings';

/** Holds the current settings snapshot and tells listeners when it is replaced. */
export class SettingsStore implements vscode.Disposable {
  private snapshot: Settings;
  private readonly changed = new vscode.EventEmitter<{ previous: Settings; current: Settings }>();
  readonly onDidChange = this.changed.event;
  private readonly sub: vscode.Disposable;

  constructor() {
    this.snapshot = SettingsStore.read();
    this.sub = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('podvisor')) return;
      const previous = this.snapshot;
      this.snapshot = SettingsStore.read();
      this.changed.fire({ previous, current: this.snapshot });
    });
  }

  get current(): Settings {
    return this.snapshot;
  }

  private static read(): Settings {
    const cfg = vscode.workspace.getConfiguration();
    return readSettings((key) => cfg.get(key));
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }
}
