import * as vscode from 'vscode';

export const RENDERED_SCHEME = 'podvisor-rendered';

/** Where a part of a rendered document came from (a kustomize build's resource files). */
export interface RenderedOrigin {
  start: number;
  end: number;
  file: string;
}

/**
 * Read-only documents holding rendered output ("Preview Kustomize Build"): served by a content
 * provider (so the editor cannot save them), validated like any manifest, their diagnostics
 * linked to the source files the origins name.
 */
export class RenderedDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, { text: string; origins: RenderedOrigin[] }>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly reg = vscode.workspace.registerTextDocumentContentProvider(RENDERED_SCHEME, this);

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString())?.text ?? '';
  }

  origins(uri: vscode.Uri): RenderedOrigin[] {
    return this.texts.get(uri.toString())?.origins ?? [];
  }

  /** Sets (or replaces) a rendered document and opens it beside the current editor. */
  async show(name: string, text: string, origins: RenderedOrigin[]): Promise<vscode.TextDocument> {
    const uri = vscode.Uri.from({ scheme: RENDERED_SCHEME, path: `/${name}` });
    this.texts.set(uri.toString(), { text, origins });
    this.changed.fire(uri);
    let doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== 'yaml') doc = await vscode.languages.setTextDocumentLanguage(doc, 'yaml');
    await vscode.window.showTextDocument(doc, { preview: false, viewColumn: vscode.ViewColumn.Beside });
    return doc;
  }

  dispose(): void {
    this.reg.dispose();
    this.changed.dispose();
  }
}
