/**
 * Checks that need more than one document: `runtimeClassName` must name a RuntimeClass defined
 * in this file or elsewhere in the workspace, or a known handler (setting). Cheap: runs over the
 * already-parsed documents on every update.
 */
import type { ParsedDoc } from '../parse';
import type { ManifestDiagnostic, ValidationOptions, WorkspaceFacts } from '../diagnostics';
import { get, getPath, pair, str } from './context';
import { hasPlaceholder } from '../placeholders';

/** `metadata.name` of every RuntimeClass document. */
export function runtimeClassNamesIn(docs: readonly ParsedDoc[]): string[] {
  const r: string[] = [];
  for (const d of docs) {
    if (d.kindInfo?.family !== 'runtimeclass') continue;
    const n = str(getPath(d.doc.contents, ['metadata', 'name']));
    if (n) r.push(n);
  }
  return r;
}

export function checkRuntimeClassNames(docs: readonly ParsedDoc[], options: ValidationOptions, facts?: WorkspaceFacts): ManifestDiagnostic[] {
  const out: ManifestDiagnostic[] = [];
  let known: Set<string> | undefined;
  for (const d of docs) {
    const info = d.kindInfo;
    if (!info?.podTemplatePath || info.removed) continue;
    const template = info.podTemplatePath.length ? getPath(d.doc.contents, info.podTemplatePath) : d.doc.contents;
    const p = pair(get(template, 'spec'), 'runtimeClassName');
    const name = str(p?.value);
    if (!p?.value?.range || !name || hasPlaceholder(name)) continue;
    known ??= new Set([...runtimeClassNamesIn(docs), ...(facts?.runtimeClassNames?.() ?? []), ...options.knownRuntimeHandlers]);
    if (known.has(name)) continue;
    out.push({
      start: d.slice.start + p.value.range[0], end: d.slice.start + p.value.range[1], severity: 'warning', code: 'runtime.unknown-class',
      message: `No RuntimeClass \`${name}\` in the workspace, and it is not a known handler (setting podvisor.manifests.knownRuntimeHandlers)`,
      data: { name, known: [...known].sort() },
    });
  }
  return out;
}
