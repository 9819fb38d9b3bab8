import * as vscode from 'vscode';
import type { Logger } from '../common/log';
import type { ManifestService } from '../manifests/service';

const GLOB = '**/{kustomization.yaml,kustomization.yml,Kustomization}';
const EXCLUDE = '{**/node_modules/**,**/.git/**,**/.cache/**}';

/**
 * Keeps the engine's kustomize index in step with the workspace's kustomization files, so a file
 * a kustomization lists is checked as a fragment or patch even when the kustomization is not open.
 * `changed` gets the open files whose role moved (to be republished).
 */
export class KustomizeWatcher implements vscode.Disposable {
  private readonly subs: vscode.Disposable[] = [];
  private timer?: NodeJS.Timeout;
  private readonly pending = new Set<string>();

  constructor(
    private readonly log: Logger,
    private readonly engine: ManifestService,
    private readonly changed: (uris: string[]) => void,
  ) {}

  async start(): Promise<void> {
    if (!vscode.workspace.workspaceFolders?.length) return;
    const w = vscode.workspace.createFileSystemWatcher(GLOB);
    this.subs.push(
      w,
      w.onDidCreate((u) => this.queue(u)),
      w.onDidChange((u) => this.queue(u)),
      w.onDidDelete((u) => this.queue(u)),
    );
    const files = await vscode.workspace.findFiles(GLOB, EXCLUDE, 2000);
    for (const f of files) await this.read(f);
    if (files.length) this.log.info(`kustomize: ${files.length} kustomization file(s) in the workspace`);
    this.changed(this.engine.refreshRoles());
  }

  private queue(uri: vscode.Uri): void {
    this.pending.add(uri.toString());
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), 300);
  }

  private async flush(): Promise<void> {
    const uris = [...this.pending];
    this.pending.clear();
    for (const u of uris) await this.read(vscode.Uri.parse(u));
    this.changed(this.engine.refreshRoles());
  }

  private async read(uri: vscode.Uri): Promise<void> {
    if (uri.scheme !== 'file') return;
    try {
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      this.engine.kustomize.update(uri.fsPath, text);
    } catch {
      this.engine.kustomize.update(uri.fsPath, undefined);
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const s of this.subs) s.dispose();
  }
}
