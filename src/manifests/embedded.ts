/**
 * Manifests inside other YAML: a block scalar whose text is itself a manifest (a Tekton `manifest`
 * param, ConfigMap data, an inline kustomize patch) is validated in place, its diagnostics mapped
 * back into the outer file (exactly for literal blocks `|`, onto the whole scalar otherwise).
 * A file opts out with a `# podvisor: ignore-embedded` comment.
 */
import type { Node } from 'yaml';
import { Scalar, visit } from './yamlFns';
import type { ManifestDiagnostic } from './diagnostics';

export const EMBEDDED_OPT_OUT = /^[ \t]*#[ \t]*podvisor:[ \t]*ignore-embedded\b/m;

/** A manifest's two keys at the start of a line, as a quick test before parsing. */
export function looksLikeManifest(text: string): boolean {
  return /^apiVersion:[ \t]*\S/m.test(text) && /^kind:[ \t]*\S/m.test(text);
}

/** Maps an offset in a scalar's value to a source offset of `text` (exact for literal blocks). */
export function scalarSourceMapper(text: string, node: Scalar): ((o: number) => number) | undefined {
  const [start, end] = node.range!;
  if (node.type !== Scalar.BLOCK_LITERAL) return undefined;
  const contentStart = text.indexOf('\n', start) + 1;
  if (contentStart <= 0 || contentStart > end) return undefined;
  // Indentation: the first non-blank content line's leading spaces.
  let indent = 0;
  for (let i = contentStart; i < end;) {
    const nl = text.indexOf('\n', i);
    const lineEnd = nl < 0 || nl > end ? end : nl;
    const line = text.slice(i, lineEnd);
    if (line.trim()) {
      indent = line.length - line.trimStart().length;
      break;
    }
    i = lineEnd + 1;
  }
  const value = node.value as string;
  // Value line starts, computed once: the mapper is called for every diagnostic.
  const valueLines = [0];
  for (let i = value.indexOf('\n'); i >= 0; i = value.indexOf('\n', i + 1)) valueLines.push(i + 1);
  const srcLines: number[] = [];
  for (let s = contentStart, k = 0; k < valueLines.length; k++) {
    srcLines.push(s);
    const nl = text.indexOf('\n', s);
    if (nl < 0 || nl >= end) break;
    s = nl + 1;
  }
  return (o: number) => {
    let lo = 0;
    let hi = valueLines.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (valueLines[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    const src = srcLines[lo];
    if (src === undefined) return end;
    const nl = text.indexOf('\n', src);
    const lineEnd = nl < 0 ? text.length : nl;
    return Math.min(src + indent + (o - valueLines[lo]!), lineEnd, end);
  };
}

/** Block scalars of a parsed document whose value looks like a manifest. */
export function embeddedManifests(root: Node | null | undefined): Scalar[] {
  const out: Scalar[] = [];
  if (!root) return out;
  visit(root, {
    Scalar(_, node) {
      if (
        (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) &&
        node.range &&
        typeof node.value === 'string' &&
        node.value.length < 1_000_000 &&
        looksLikeManifest(node.value)
      )
        out.push(node);
      return undefined;
    },
  });
  return out;
}

/**
 * Validates `node`'s value with `validate` (value offsets) and returns the diagnostics in offsets
 * of `text` (the outer document's slice text; add its slice start for file offsets).
 */
export function mapEmbedded(
  text: string,
  node: Scalar,
  diags: readonly ManifestDiagnostic[],
): ManifestDiagnostic[] {
  const map = scalarSourceMapper(text, node);
  const [s0, e0] = node.range!;
  return diags.map((d) => {
    if (!map) return { ...d, start: s0, end: Math.max(s0, e0), embedded: true };
    const start = map(d.start);
    const end = Math.max(start, map(Math.max(d.start, d.end)));
    return { ...d, start, end, embedded: true };
  });
}
