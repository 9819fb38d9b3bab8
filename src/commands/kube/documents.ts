import * as vscode from 'vscode';
import type { Services } from '../../host/services';

export const KUBE_SCHEME = 'podvisor-kube';

/**
 * Read-only documents of cluster objects (live YAML, and the two sides of an apply diff):
 * `podvisor-kube:/<key>.yaml`. Their text is set before they are opened.
 */
export class KubeDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  set(key: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: KUBE_SCHEME, path: `/${key}.yaml` });
    this.texts.set(uri.path, text);
    this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.path) ?? '';
  }
}

let docs: KubeDocuments | undefined;
export function kubeDocuments(): KubeDocuments {
  return (docs ??= new KubeDocuments());
}

export function registerKubeDocuments(_svc: Services): vscode.Disposable[] {
  return [vscode.workspace.registerTextDocumentContentProvider(KUBE_SCHEME, kubeDocuments())];
}
