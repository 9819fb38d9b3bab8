import * as vscode from 'vscode';
import type { Logger } from '../common/log';

type ManifestsModule = typeof import('../manifests');

const GLOB = '**/*.{yaml,yml}';
const EXCLUDE = '{**/node_modules/**,**/.git/**,**/.cache/**}';
const MAX_FILES = 5000;

/**
 * RuntimeClass names defined anywhere in the workspace's YAML files, so `runtimeClassName: gvisor`
 * in one file is checked (and completed) against `kind: RuntimeClass` in another. Built once
 * when the manifest engine first loads, then kept current by a file watcher (changes coalesced).
 */
export class RuntimeClassIndex implements vscode.Disposable {
  private readonly byFile = new Map<string, string[]>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subs: vscode.Disposable[] = [this.changed];
  private started?: Promise<void>;
  private readonly pending = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly log: Logger,
    private readonly engine: () => ManifestsModule,
  ) {}

  names(): string[] {
    const r = new Set<string>();
    for (const l of this.byFile.values()) for (const n of l) r.add(n);
    return [...r].sort();
  }

  /** Where a name is defined (for completion details). */
  filesDefining(name: string): string[] {
    return [...this.byFile].filter(([, l]) => l.includes(name)).map(([f]) => f);
  }

  /** Scans the workspace once and starts watching; later calls return the same promise. */
  start(): Promise<void> {
    this.started ??= this.scan().catch((e: unknown) =>
      this.log.warn(`RuntimeClass index: scan failed: ${e instanceof Error ? e.message : String(e)}`),
    );
    return this.started;
  }

  private async scan(): Promise<void> {
    if (!vscode.workspace.workspaceFolders?.length) return;
    const t0 = performance.now();
    const w = vscode.workspace.createFileSystemWatcher(GLOB);
    this.subs.push(
      w,
      w.onDidCreate((u) => this.queue(u)),
      w.onDidChange((u) => this.queue(u)),
      w.onDidDelete((u) => this.queue(u)),
    );
    const files = await vscode.workspace.findFiles(GLOB, EXCLUDE, MAX_FILES);
    for (const f of files) await this.read(f);
    this.log.info(
      `RuntimeClass index: ${this.names().length} name(s) in ${files.length} YAML file(s), ${(performance.now() - t0).toFixed(0)} ms`,
    );
    if (this.byFile.size) this.changed.fire();
  }

  private queue(uri: vscode.Uri): void {
    this.pending.add(uri.toString());
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), 300);
  }

  private async flush(): Promise<void> {
    const before = this.names().join('\n');
    const uris = [...this.pending];
    this.pending.clear();
    for (const u of uris) await this.read(vscode.Uri.parse(u));
    if (this.names().join('\n') !== before) this.changed.fire();
  }

  /** (Re)reads one file; a deleted or unreadable file drops out. */
  private async read(uri: vscode.Uri): Promise<void> {
    const key = uri.toString();
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      this.byFile.delete(key);
      return;
    }
    const names = this.namesIn(text);
    if (names.length) this.byFile.set(key, names);
    else this.byFile.delete(key);
  }

  /** `metadata.name` of each RuntimeClass document in a text (parsed by the engine). */
  namesIn(text: string): string[] {
    if (!/^kind:[ \t]*["']?RuntimeClass\b/m.test(text)) return [];
    const m = this.engine();
    const out: string[] = [];
    for (const slice of m.splitDocuments(text)) {
      if (!/^kind:[ \t]*["']?RuntimeClass\b/m.test(slice.text)) continue;
      const p = m.parseSlice(slice);
      if (p.kindInfo?.family !== 'runtimeclass') continue;
      const n = p.doc.getIn(['metadata', 'name']);
      if (typeof n === 'string' && n) out.push(n);
    }
    return out;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const s of this.subs) s.dispose();
  }
}
