/** Shared plumbing for rules: where they report, and small AST helpers with slice-local ranges. */
import type { Node, Pair, YAMLMap, YAMLSeq } from 'yaml';
import { isMap, isScalar, isSeq } from '../yamlFns';
import type { ParsedDoc, PathSeg } from '../parse';
import type { SchemaStore } from '../schemas';
import type { ManifestDiagnostic, Severity, ValidationOptions } from '../diagnostics';
import type { KindInfo } from '../kinds';

export interface CheckContext {
  readonly parsed: ParsedDoc;
  readonly store: SchemaStore;
  readonly options: ValidationOptions;
  readonly out: ManifestDiagnostic[];
  /** The document holds template placeholders: skip checks a placeholder would trip. */
  readonly templated: boolean;
  /** How unknown keys are reported: an error where the bundled schema is current, a warning where it may lag the cluster. */
  readonly unknownKeySeverity?: 'error' | 'warning';
  /** The kind being checked (for version hints on unknown keys). */
  readonly info?: KindInfo;
  /** A patch (strategic merge): partial by nature, so required fields are not asked for. */
  readonly partial?: boolean;
  /** A file a kustomization lists: what kustomize fills in (names, namespaces, images it rewrites) is not asked for. */
  readonly fragment?: { readonly images: ReadonlySet<string> };
}

/** Reports at a node's (or an explicit local range's) position, converted to file offsets. */
export function report(
  ctx: CheckContext,
  at: Node | [number, number] | null | undefined,
  severity: Severity,
  code: string,
  message: string,
  data?: unknown,
): void {
  const base = ctx.parsed.slice.start;
  const max = ctx.parsed.slice.text.length;
  let s = 0;
  let e = 0;
  if (Array.isArray(at)) [s, e] = at;
  else if (at?.range) [s, e] = [at.range[0], at.range[1]];
  s = Math.max(0, Math.min(s, max));
  e = Math.max(s, Math.min(e, max));
  ctx.out.push(
    data === undefined
      ? { start: base + s, end: base + e, severity, code, message }
      : { start: base + s, end: base + e, severity, code, message, data },
  );
}

export function pathText(path: readonly PathSeg[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s || '(document)';
}

export function asMap(n: unknown): YAMLMap<Node, Node | null> | undefined {
  return isMap(n) ? (n as YAMLMap<Node, Node | null>) : undefined;
}
export function asSeq(n: unknown): YAMLSeq<Node> | undefined {
  return isSeq(n) ? (n as YAMLSeq<Node>) : undefined;
}

/** The pair for `key` in a mapping. */
export function pair(map: unknown, key: string): Pair<Node, Node | null> | undefined {
  const m = asMap(map);
  if (!m) return undefined;
  for (const p of m.items) if (isScalar(p.key) && p.key.value === key) return p;
  return undefined;
}
export function get(map: unknown, key: string): Node | null | undefined {
  return pair(map, key)?.value;
}
export function getPath(node: unknown, path: readonly PathSeg[]): Node | null | undefined {
  let n = node as Node | null | undefined;
  for (const seg of path) {
    if (typeof seg === 'number') n = asSeq(n)?.items[seg];
    else n = get(n, seg);
    if (!n) return n;
  }
  return n;
}
export function scalarValue(n: unknown): unknown {
  return isScalar(n) ? n.value : undefined;
}
export function str(n: unknown): string | undefined {
  const v = scalarValue(n);
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}
/** Items of a sequence that are mappings, with their index. */
export function mapItems(seq: unknown): [YAMLMap<Node, Node | null>, number][] {
  const s = asSeq(seq);
  if (!s) return [];
  const r: [YAMLMap<Node, Node | null>, number][] = [];
  s.items.forEach((it, i) => {
    const m = asMap(it);
    if (m) r.push([m, i]);
  });
  return r;
}
