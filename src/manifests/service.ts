/**
 * Per-file state of the manifest language service. `update` splits the new text into documents,
 * reuses every document whose text did not change (only shifting its offsets), and re-parses and
 * re-validates only the ones that did. Cross-document checks (RuntimeClass names) are re-run per
 * update; they are cheap. No `vscode` import: the editor adapters and the CLI both use this.
 */
import { splitDocuments, type DocSlice } from './documents';
import { moveParsed, parseSlice, type ParsedDoc } from './parse';
import { SchemaStore, type RuntimeSchemaSet } from './schemas';
import { validateParsed } from './validate';
import { checkRuntimeClassNames } from './rules/workspace';
import {
  DEFAULT_OPTIONS,
  type ManifestDiagnostic,
  type ValidationOptions,
  type WorkspaceFacts,
} from './diagnostics';
import { complete, type ManifestCompletionList } from './complete';
import { hover, type ManifestHover } from './hover';
import { symbols, type ManifestSymbol } from './symbols';
import { codeActions, type ManifestCodeAction } from './fixes';
import { isKustomizationPath, localPath, nodeFiles, type FileFacts } from './files';
import { KustomizeIndex } from './kustomize/index';
import { detectKind } from './kinds';
import { EMBEDDED_OPT_OUT } from './embedded';
import { isMap } from './yamlFns';
import type { ValidateContext } from './validate';

interface Entry {
  parsed: ParsedDoc;
  /** Diagnostics in file offsets as of `base` (= the slice start when they were computed). */
  diags: ManifestDiagnostic[];
  base: number;
}

export interface FileState {
  readonly uri: string;
  text: string;
  entries: Entry[];
  version: number;
  /** What the file context was when the entries were checked (role, opt-outs): a change re-checks all. */
  contextKey: string;
}

export interface UpdateStats {
  documents: number;
  reparsed: number;
  reused: number;
}

export interface ManifestServiceOptions {
  /** Directory with the generated schema bundles (`<extension>/schemas`), or a shared store. */
  schemaDir?: string;
  store?: SchemaStore;
  options?: Partial<ValidationOptions>;
  facts?: WorkspaceFacts;
  /** The file system kustomizations are checked against (default: the real one). */
  files?: FileFacts;
}

/** Length of the common prefix (compares 1 KiB blocks natively first). */
function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  const B = 1024;
  while (i + B <= n && a.substr(i, B) === b.substr(i, B)) i += B;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** Length of the common suffix, not overlapping a prefix of length `pre`. */
function commonSuffix(a: string, b: string, pre: number): number {
  const n = Math.min(a.length, b.length) - pre;
  let i = 0;
  const B = 1024;
  while (i + B <= n && a.substr(a.length - i - B, B) === b.substr(b.length - i - B, B)) i += B;
  while (i < n && a.charCodeAt(a.length - 1 - i) === b.charCodeAt(b.length - 1 - i)) i++;
  return i;
}

export class ManifestService {
  readonly store: SchemaStore;
  facts: WorkspaceFacts;
  private opts: ValidationOptions;
  protected readonly docs = new Map<string, FileState>();
  /** What the last `open`/`update` did (for tests and the benchmark). */
  lastStats: UpdateStats = { documents: 0, reparsed: 0, reused: 0 };
  readonly files: FileFacts;
  /** Which files kustomizations list, and as what (kustomizations opened here are added by themselves). */
  readonly kustomize: KustomizeIndex;
  private kustomizeGeneration = 0;

  constructor(o: ManifestServiceOptions) {
    if (!o.store && !o.schemaDir) throw new Error('ManifestService needs a schemaDir or a store');
    this.store = o.store ?? new SchemaStore(o.schemaDir!);
    this.opts = { ...DEFAULT_OPTIONS, ...o.options };
    this.facts = o.facts ?? {};
    this.files = o.files ?? nodeFiles;
    this.kustomize = new KustomizeIndex(this.files);
  }

  get options(): ValidationOptions {
    return this.opts;
  }

  /** New settings: every open file is re-validated from scratch. */
  setOptions(options: Partial<ValidationOptions>): void {
    this.opts = { ...this.opts, ...options };
    this.revalidateAll();
  }

  /**
   * A connected cluster's schemas (see `runtimeSchemaSet`), or undefined to go back to the bundled
   * ones chosen by the settings. Every open file is re-validated.
   */
  setRuntimeSchemas(set: RuntimeSchemaSet | undefined): void {
    this.store.setRuntime(set);
    this.revalidateAll();
  }

  private revalidateAll(): void {
    for (const f of this.docs.values()) {
      const text = f.text;
      f.entries = [];
      f.text = '';
      this.update(f.uri, text);
    }
  }

  open(uri: string, text: string): ManifestDiagnostic[] {
    this.docs.set(uri, { uri, text: '', entries: [], version: 0, contextKey: '' });
    return this.update(uri, text);
  }

  close(uri: string): void {
    this.docs.delete(uri);
  }

  has(uri: string): boolean {
    return this.docs.has(uri);
  }

  uris(): string[] {
    return [...this.docs.keys()];
  }

  /**
   * Open files whose kustomize role changed since they were checked (a kustomization was edited),
   * re-checked; returns their uris so the editor can republish them.
   */
  refreshRoles(): string[] {
    if (this.kustomize.generation === this.kustomizeGeneration) return [];
    this.kustomizeGeneration = this.kustomize.generation;
    const changed: string[] = [];
    for (const f of this.docs.values()) {
      if (this.fileContext(f.uri, f.text).key === f.contextKey) continue;
      const text = f.text;
      f.entries = [];
      f.text = '';
      this.update(f.uri, text);
      changed.push(f.uri);
    }
    return changed;
  }

  /** What the engine knows about a file besides its text: where it is, what a kustomization says it is. */
  private fileContext(
    uri: string,
    text: string,
  ): { key: string; file: NonNullable<ValidateContext['file']> } {
    const p = localPath(uri);
    const role = p ? this.kustomize.roleOf(p) : undefined;
    const noEmbedded = EMBEDDED_OPT_OUT.test(text);
    const file = {
      ...(p ? { path: p } : {}),
      files: this.files,
      ...(role
        ? { role: role.role, images: role.images, ...(role.target ? { target: role.target } : {}) }
        : {}),
      ...(noEmbedded ? { noEmbedded } : {}),
    };
    const key = JSON.stringify([role?.role, role?.target, [...(role?.images ?? [])], noEmbedded]);
    return { key, file };
  }

  update(uri: string, text: string): ManifestDiagnostic[] {
    let f = this.docs.get(uri);
    if (!f) {
      f = { uri, text: '', entries: [], version: 0, contextKey: '' };
      this.docs.set(uri, f);
    }
    const p = localPath(uri);
    if (p && isKustomizationPath(p)) this.kustomize.update(p, text);
    const fc = this.fileContext(uri, text);
    if (fc.key !== f.contextKey) {
      f.entries = [];
      f.text = '';
      f.contextKey = fc.key;
    }
    this.current = fc.file;
    this.currentUri = uri;
    const oldText = f.text;
    const old = f.entries;
    const entries: Entry[] = [];
    let reparsed = 0;
    if (!old.length) {
      for (const s of splitDocuments(text)) {
        entries.push(this.check(s));
        reparsed++;
      }
    } else {
      // Documents wholly inside the unchanged prefix or suffix are kept without even comparing
      // them; only the region between is re-split, and its documents are matched by text.
      const pre = commonPrefix(oldText, text);
      const suf = commonSuffix(oldText, text, pre);
      const delta = text.length - oldText.length;
      // old[0, i) lies in the unchanged prefix, old[j, end) in the unchanged suffix.
      let i = 0;
      for (const e of old) {
        // `end + 4 <= pre`: the next document's `---` marker line start is unchanged too.
        if (e.parsed.slice.end + 4 > pre) break;
        entries.push(e);
        i++;
      }
      let j = old.length;
      for (let last = old[j - 1]; j > i && last; last = old[j - 1]) {
        if (last.parsed.slice.start - 1 < oldText.length - suf) break;
        j--;
      }
      const from = old[i]?.parsed.slice.start ?? oldText.length;
      const lastChanged = j > i ? old[j - 1] : undefined;
      const to = lastChanged ? lastChanged.parsed.slice.end + delta : from + Math.max(0, delta);
      const byText = new Map<string, Entry[]>();
      for (const e of old.slice(i, j)) {
        const l = byText.get(e.parsed.slice.text);
        if (l) l.push(e);
        else byText.set(e.parsed.slice.text, [e]);
      }
      if (to > from || (from === 0 && text.length === 0 && entries.length === 0)) {
        for (const r of splitDocuments(text.slice(from, to))) {
          const s: DocSlice = {
            index: entries.length,
            start: from + r.start,
            end: from + r.end,
            text: r.text,
          };
          const prev = byText.get(s.text)?.shift();
          if (prev) entries.push({ parsed: moveParsed(prev.parsed, s), diags: prev.diags, base: prev.base });
          else {
            entries.push(this.check(s));
            reparsed++;
          }
        }
      }
      for (const e of old.slice(j)) {
        const p = e.parsed;
        const s = p.slice;
        const moved =
          s.index === entries.length && delta === 0
            ? s
            : { index: entries.length, start: s.start + delta, end: s.end + delta, text: s.text };
        entries.push({ ...e, parsed: moveParsed(p, moved) });
      }
      if (!entries.length)
        for (const s of splitDocuments(text)) {
          entries.push(this.check(s));
          reparsed++;
        }
    }
    f.text = text;
    f.entries = entries;
    f.version++;
    this.lastStats = { documents: entries.length, reparsed, reused: entries.length - reparsed };
    return this.diagnostics(uri);
  }

  private readonly custom = (key: string): boolean => this.store.runtimeServes(key);

  private current?: NonNullable<ValidateContext['file']>;
  private currentUri = '';

  private check(s: DocSlice): Entry {
    let parsed = parseSlice(s, this.custom);
    // A kustomization.yaml may leave out apiVersion and kind.
    if (!parsed.kindInfo && !parsed.apiVersion && !parsed.kind && isMap(parsed.doc.contents)) {
      const p = localPath(this.currentUri) ?? this.currentUri;
      if (isKustomizationPath(p))
        parsed = { ...parsed, kindInfo: detectKind('kustomize.config.k8s.io/v1beta1', 'Kustomization') };
    }
    return {
      parsed,
      diags: validateParsed(parsed, {
        store: this.store,
        options: this.opts,
        ...(this.current ? { file: this.current } : {}),
      }),
      base: s.start,
    };
  }

  /** Current diagnostics of a file, in file offsets, ordered by position. */
  diagnostics(uri: string): ManifestDiagnostic[] {
    const f = this.docs.get(uri);
    if (!f) return [];
    const out: ManifestDiagnostic[] = [];
    let placeholderSeen = false;
    for (const e of f.entries) {
      const delta = e.parsed.slice.start - e.base;
      for (const d of e.diags) {
        // A template is reported once per file, not once per document.
        if (d.code === 'template.placeholders') {
          if (placeholderSeen) continue;
          placeholderSeen = true;
        }
        out.push(delta ? { ...d, start: d.start + delta, end: d.end + delta } : d);
      }
    }
    out.push(
      ...checkRuntimeClassNames(
        f.entries.map((e) => e.parsed),
        this.opts,
        this.facts,
      ),
    );
    return out;
  }

  /** The file's text as last given. */
  text(uri: string): string | undefined {
    return this.docs.get(uri)?.text;
  }

  /** Parsed documents of a file, in order. */
  documents(uri: string): ParsedDoc[] {
    return this.docs.get(uri)?.entries.map((e) => e.parsed) ?? [];
  }

  /** The document holding a file offset (the last one starting at or before it). */
  documentAt(uri: string, offset: number): ParsedDoc | undefined {
    const entries = this.docs.get(uri)?.entries;
    if (!entries?.length) return undefined;
    let lo = 0;
    let hi = entries.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((entries[mid]?.parsed.slice.start ?? offset) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return entries[lo]?.parsed;
  }

  // ---- Language features (A2): complete, hover, symbols, codeActions are added below. ----

  /** Completion at a file offset of an open file (its last given text). */
  complete(uri: string, offset: number): Promise<ManifestCompletionList> {
    const text = this.text(uri);
    if (text === undefined) return Promise.resolve({ items: [], isIncomplete: false });
    return complete({
      text,
      offset,
      parsed: this.documentAt(uri, offset),
      schemas: this.store,
      k8sVersion: this.opts,
      facts: this.facts,
      knownRuntimeClasses: this.opts.knownRuntimeHandlers,
    });
  }

  /** Hover at a file offset: description, type, allowed values. */
  hover(uri: string, offset: number): ManifestHover | undefined {
    const text = this.text(uri);
    if (text === undefined) return undefined;
    return hover(text, offset, this.documentAt(uri, offset), this.store, this.opts);
  }

  /** The outline: one symbol per document, with the spec's main parts as children. */
  symbols(uri: string): ManifestSymbol[] {
    return symbols(this.documents(uri));
  }

  /** Quick fixes for one of this file's current diagnostics. */
  codeActions(uri: string, diagnostic: ManifestDiagnostic): ManifestCodeAction[] {
    const text = this.text(uri);
    const parsed = this.documentAt(uri, diagnostic.start);
    if (text === undefined || !parsed) return [];
    return codeActions({ text, parsed, store: this.store, k8sVersion: this.opts }, diagnostic);
  }
}
