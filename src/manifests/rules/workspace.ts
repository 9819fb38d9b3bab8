/**
 * Checks that need more than one document: `runtimeClassName` must name a RuntimeClass defined
 * in this file or elsewhere in the workspace, or a known handler (setting). Runs on every update
 * over all documents, so what each document contributes is cached per parsed document.
 */
import type { Document } from 'yaml';
import type { ParsedDoc } from '../parse';
import type { ManifestDiagnostic, ValidationOptions, WorkspaceFacts } from '../diagnostics';
import { get, getPath, pair, str } from './context';
import { hasPlaceholder } from '../placeholders';

interface DocFacts {
  /** `metadata.name` when the document is a RuntimeClass. */
  runtimeClass?: string;
  /** The `runtimeClassName` a pod (template) names, with its slice-local range. */
  ref?: { name: string; start: number; end: number };
}
const cache = new WeakMap<Document, DocFacts>();

function factsOf(d: ParsedDoc): DocFacts {
  let f = cache.get(d.doc);
  if (f) return f;
  f = {};
  const info = d.kindInfo;
  if (info?.family === 'runtimeclass' && !info.removed)
    f.runtimeClass = str(getPath(d.doc.contents, ['metadata', 'name']));
  if (info?.podTemplatePath && !info.removed) {
    const template = info.podTemplatePath.length
      ? getPath(d.doc.contents, info.podTemplatePath)
      : d.doc.contents;
    const p = pair(get(template, 'spec'), 'runtimeClassName');
    const name = str(p?.value);
    if (p?.value?.range && name && !hasPlaceholder(name))
      f.ref = { name, start: p.value.range[0], end: p.value.range[1] };
  }
  cache.set(d.doc, f);
  return f;
}

/** `metadata.name` of every RuntimeClass document. */
export function runtimeClassNamesIn(docs: readonly ParsedDoc[]): string[] {
  const r: string[] = [];
  for (const d of docs) {
    const n = factsOf(d).runtimeClass;
    if (n) r.push(n);
  }
  return r;
}

export function checkRuntimeClassNames(
  docs: readonly ParsedDoc[],
  options: ValidationOptions,
  facts?: WorkspaceFacts,
): ManifestDiagnostic[] {
  const out: ManifestDiagnostic[] = [];
  let known: Set<string> | undefined;
  for (const d of docs) {
    const ref = factsOf(d).ref;
    if (!ref) continue;
    known ??= new Set([
      ...runtimeClassNamesIn(docs),
      ...(facts?.runtimeClassNames?.() ?? []),
      ...options.knownRuntimeHandlers,
    ]);
    if (known.has(ref.name)) continue;
    out.push({
      start: d.slice.start + ref.start,
      end: d.slice.start + ref.end,
      severity: 'warning',
      code: 'runtime.unknown-class',
      message: `No RuntimeClass \`${ref.name}\` in the workspace, and it is not a known handler (setting podvisor.manifests.knownRuntimeHandlers)`,
      data: { name: ref.name, known: [...known].sort() },
    });
  }
  return out;
}
