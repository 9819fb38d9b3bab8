import * as vscode from 'vscode';
import type { ContainersSection } from './section';

export const INSPECT_SCHEME = 'podvisor-docker';

/**
 * Read-only JSON documents for `docker inspect`: podvisor-docker:/container/<id>/<name>.json and
 * podvisor-docker:/image/<id>/<name>.json. Content providers give read-only editors; opening the
 * same URI again re-reads the engine.
 */
export class InspectProvider implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  constructor(private readonly section: ContainersSection) {}

  static uri(kind: 'container' | 'image', id: string, name: string): vscode.Uri {
    const safe = name.replace(/[^\w.-]+/g, '_').slice(0, 80) || id.slice(0, 12);
    return vscode.Uri.from({
      scheme: INSPECT_SCHEME,
      path: `/${kind}/${encodeURIComponent(id)}/${safe}.json`,
    });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const [, kind, rawId] = uri.path.split('/');
    const id = decodeURIComponent(rawId ?? '');
    const client = await this.section.client();
    const data = kind === 'image' ? await client.inspectImageRaw(id) : await client.inspectContainerRaw(id);
    if (data === undefined) return `// ${vscode.l10n.t('Container {0} no longer exists', id.slice(0, 12))}\n`;
    return `${JSON.stringify(data, null, 2)}\n`;
  }

  reload(uri: vscode.Uri): void {
    this.changed.fire(uri);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
