import * as vscode from 'vscode';
import type { ManifestCompletionItem } from '../manifests/complete';
import type { ManifestSymbol } from '../manifests/symbols';
import { DIAGNOSTIC_SOURCE, rangeOf } from './convert';
import type { ManifestLanguage } from './manifestLanguage';

const YAML_SELECTOR: vscode.DocumentSelector = [{ language: 'yaml' }];

const ITEM_KIND: Record<ManifestCompletionItem['kind'], vscode.CompletionItemKind> = {
  property: vscode.CompletionItemKind.Property,
  value: vscode.CompletionItemKind.Value,
  enum: vscode.CompletionItemKind.EnumMember,
  reference: vscode.CompletionItemKind.Reference,
  image: vscode.CompletionItemKind.Module,
  snippet: vscode.CompletionItemKind.Snippet,
  keyword: vscode.CompletionItemKind.Keyword,
};

export class ManifestCompletionProvider implements vscode.CompletionItemProvider {
  constructor(private readonly lang: ManifestLanguage) {}

  async provideCompletionItems(
    doc: vscode.TextDocument,
    pos: vscode.Position,
  ): Promise<vscode.CompletionList | undefined> {
    const svc = this.lang.sync(doc);
    // A YAML file with no manifest yet: only an empty one gets the starters.
    if (!svc) return doc.getText().trim() === '' ? this.starters(doc, pos) : undefined;
    const list = await svc.complete(doc.uri.toString(), doc.offsetAt(pos));
    return new vscode.CompletionList(
      list.items.map((i) => toItem(doc, i)),
      list.isIncomplete,
    );
  }

  /** The starter snippets in an empty YAML file, which the engine has not been asked about. */
  private starters(doc: vscode.TextDocument, pos: vscode.Position): vscode.CompletionList {
    const m = this.lang.engineModule();
    const range = new vscode.Range(pos.with(undefined, 0), pos);
    const items = m.MANIFEST_SNIPPETS.map((s, i) => {
      const it = new vscode.CompletionItem(s.label, vscode.CompletionItemKind.Snippet);
      it.insertText = new vscode.SnippetString(s.body.join('\n'));
      it.detail = s.description;
      it.sortText = `0${i}`;
      it.range = range;
      it.filterText = `${s.prefix} ${s.label}`;
      return it;
    });
    void doc;
    return new vscode.CompletionList(items, false);
  }
}

function toItem(doc: vscode.TextDocument, i: ManifestCompletionItem): vscode.CompletionItem {
  const it = new vscode.CompletionItem(i.label, ITEM_KIND[i.kind]);
  it.insertText = i.snippet ? new vscode.SnippetString(i.insertText) : i.insertText;
  it.range = rangeOf(doc, i.start, i.end);
  it.sortText = i.sortText;
  if (i.detail) it.detail = i.detail;
  if (i.documentation) it.documentation = new vscode.MarkdownString(i.documentation);
  if (i.preselect) it.preselect = true;
  // After a key is inserted, open the list again for its value (`runStrategy: |`).
  if (i.kind === 'property' && /: \$0$/.test(i.insertText))
    it.command = { command: 'editor.action.triggerSuggest', title: 'Suggest' };
  return it;
}

class ManifestHoverProvider implements vscode.HoverProvider {
  constructor(private readonly lang: ManifestLanguage) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const svc = this.lang.sync(doc);
    const h = svc?.hover(doc.uri.toString(), doc.offsetAt(pos));
    if (!h) return undefined;
    return new vscode.Hover(new vscode.MarkdownString(h.markdown), rangeOf(doc, h.start, h.end));
  }
}

class ManifestCodeActionProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];
  constructor(private readonly lang: ManifestLanguage) {}

  provideCodeActions(
    doc: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const ours = context.diagnostics.filter(
      (d) => d.source === DIAGNOSTIC_SOURCE && typeof d.code === 'string',
    );
    if (!ours.length) return [];
    const svc = this.lang.sync(doc);
    if (!svc) return [];
    const key = doc.uri.toString();
    const engineDiags = svc.diagnostics(key);
    const out: vscode.CodeAction[] = [];
    for (const d of ours) {
      // The editor hands back copies of the diagnostics: find the engine's own by code and place.
      const start = doc.offsetAt(d.range.start);
      const end = doc.offsetAt(d.range.end);
      const ed =
        engineDiags.find((x) => x.code === d.code && x.start === start && x.end === end) ??
        engineDiags.find((x) => x.code === d.code && x.start <= start && x.end >= start);
      if (!ed) continue;
      for (const a of svc.codeActions(key, ed)) {
        const ca = new vscode.CodeAction(a.title, vscode.CodeActionKind.QuickFix);
        const we = new vscode.WorkspaceEdit();
        for (const e of a.edits) we.replace(doc.uri, rangeOf(doc, e.start, e.end), e.newText);
        ca.edit = we;
        ca.diagnostics = [d];
        if (a.isPreferred) ca.isPreferred = true;
        out.push(ca);
      }
    }
    return out;
  }
}

const SYMBOL_KIND: Record<ManifestSymbol['kind'], vscode.SymbolKind> = {
  document: vscode.SymbolKind.Class,
  section: vscode.SymbolKind.Array,
  item: vscode.SymbolKind.Object,
  field: vscode.SymbolKind.Field,
};

class ManifestSymbolProvider implements vscode.DocumentSymbolProvider {
  constructor(private readonly lang: ManifestLanguage) {}

  provideDocumentSymbols(doc: vscode.TextDocument): vscode.DocumentSymbol[] {
    const svc = this.lang.sync(doc);
    if (!svc) return [];
    return svc.symbols(doc.uri.toString()).map((s) => toSymbol(doc, s));
  }
}

function toSymbol(doc: vscode.TextDocument, s: ManifestSymbol): vscode.DocumentSymbol {
  const range = rangeOf(doc, s.start, s.end);
  // VS Code requires the selection inside the range.
  const sel = rangeOf(
    doc,
    Math.max(s.start, Math.min(s.selStart, s.end)),
    Math.max(s.start, Math.min(s.selEnd, s.end)),
  );
  const sym = new vscode.DocumentSymbol(
    s.name || '(unnamed)',
    s.detail ?? '',
    SYMBOL_KIND[s.kind],
    range,
    sel,
  );
  sym.children = s.children.map((c) => toSymbol(doc, c));
  return sym;
}

/** The CodeLens row over each recognised document: Validate · Run locally · Apply to cluster. */
class ManifestCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly sub: vscode.Disposable;
  constructor(private readonly lang: ManifestLanguage) {
    this.sub = lang.onDidPublish(() => this.changed.fire());
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const svc = this.lang.sync(doc);
    if (!svc) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const p of svc.documents(doc.uri.toString())) {
      if (!p.kindInfo) continue;
      const first = p.slice.start + (p.doc.contents?.range?.[0] ?? 0);
      const at = new vscode.Range(doc.positionAt(first), doc.positionAt(first));
      const args = [doc.uri, p.slice.index];
      const name = p.kind ?? 'manifest';
      lenses.push(
        new vscode.CodeLens(at, {
          title: vscode.l10n.t('$(check) Validate'),
          tooltip: vscode.l10n.t('Validate this {0}', name),
          command: 'podvisor.manifest.validate',
          arguments: args,
        }),
        new vscode.CodeLens(at, {
          title: vscode.l10n.t('$(play) Run locally'),
          tooltip: vscode.l10n.t('Run this {0} in a local sandbox', name),
          command: 'podvisor.sandbox.runManifest',
          arguments: args,
        }),
        new vscode.CodeLens(at, {
          title: vscode.l10n.t('$(cloud-upload) Apply to cluster'),
          tooltip: vscode.l10n.t('kubectl apply this {0} to the current context', name),
          command: 'podvisor.manifest.applyToCluster',
          arguments: args,
        }),
      );
    }
    return lenses;
  }
}

export function registerManifestProviders(lang: ManifestLanguage): vscode.Disposable[] {
  const lens = new ManifestCodeLensProvider(lang);
  return [
    vscode.languages.registerCompletionItemProvider(
      YAML_SELECTOR,
      new ManifestCompletionProvider(lang),
      ':',
      ' ',
    ),
    vscode.languages.registerHoverProvider(YAML_SELECTOR, new ManifestHoverProvider(lang)),
    vscode.languages.registerCodeActionsProvider(YAML_SELECTOR, new ManifestCodeActionProvider(lang), {
      providedCodeActionKinds: ManifestCodeActionProvider.kinds,
    }),
    vscode.languages.registerDocumentSymbolProvider(YAML_SELECTOR, new ManifestSymbolProvider(lang), {
      label: 'Podvisor manifests',
    }),
    vscode.languages.registerCodeLensProvider(YAML_SELECTOR, lens),
    lens,
  ];
}
