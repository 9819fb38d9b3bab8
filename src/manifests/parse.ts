/**
 * Parses one document slice with the `yaml` package, keeping positions. Node ranges inside
 * `doc` are slice-local: add `parsed.slice.start` (or use `nodeRange`) for file offsets. Keeping
 * them local lets the service reuse an unchanged document after edits above it moved it.
 */
import type { Document, Node, Pair, YAMLError } from 'yaml';
import { isMap, isPair, isScalar, isSeq, parseDocument } from './yamlFns';
import { detectKind, VIRTLET_ANNOTATION, type KindInfo } from './kinds';
import { fastParse } from './yamlFast';
import type { DocSlice } from './documents';

export interface ParsedDoc {
  readonly slice: DocSlice;
  readonly doc: Document.Parsed;
  /** YAML syntax errors and warnings (slice-local positions in `pos`). */
  readonly errors: readonly YAMLError[];
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly kindInfo?: KindInfo;
  /** True when the slice holds only comments/whitespace/markers. */
  readonly empty: boolean;
}

/**
 * YAML 1.2 core schema: the `yaml` package's 1.1 schema reads `e1000` (a NIC model) as a float,
 * which go-yaml does not; 1.2 is what other editors use too.
 */
export const YAML_OPTIONS = {
  merge: true,
  keepSourceTokens: false,
  prettyErrors: false,
  uniqueKeys: true,
  strict: false,
};

/** `custom`: does a runtime schema set describe `<apiVersion>/<Kind>` (a cluster's CRDs)? */
export function parseSlice(slice: DocSlice, custom?: (key: string) => boolean): ParsedDoc {
  // The fast path builds the same tree for the YAML manifests are usually written in.
  const doc = fastParse(slice.text, YAML_OPTIONS) ?? parseDocument(slice.text, YAML_OPTIONS);
  const errors = [...doc.errors, ...doc.warnings];
  const root = doc.contents;
  let apiVersion: string | undefined;
  let kind: string | undefined;
  let kindInfo: KindInfo | undefined;
  if (isMap(root)) {
    const av = root.get('apiVersion', true);
    const k = root.get('kind', true);
    apiVersion = isScalar(av) && typeof av.value === 'string' ? av.value : undefined;
    kind = isScalar(k) && typeof k.value === 'string' ? k.value : undefined;
    if (apiVersion !== undefined && kind !== undefined) {
      const ann = root.getIn(['metadata', 'annotations', VIRTLET_ANNOTATION], true);
      const meta = isScalar(ann) ? { annotations: { [VIRTLET_ANNOTATION]: ann.value } } : undefined;
      kindInfo = detectKind(apiVersion, kind, meta, custom);
    }
  }
  return {
    slice,
    doc,
    errors,
    apiVersion,
    kind,
    kindInfo,
    empty: root === null || (isScalar(root) && root.value === null && !root.range[1]),
  };
}

/** The same parsed document at a new position (its text did not change). */
export function moveParsed(parsed: ParsedDoc, slice: DocSlice): ParsedDoc {
  return parsed.slice === slice ? parsed : { ...parsed, slice };
}

/** File-absolute [start, end) of a node (value end, without trailing comment). */
export function nodeRange(parsed: ParsedDoc, node: Node | null | undefined): [number, number] {
  const r = node?.range;
  if (!r) return [parsed.slice.start, parsed.slice.start];
  return [parsed.slice.start + r[0], parsed.slice.start + r[1]];
}

export type PathSeg = string | number;

export interface NodeAt {
  /** Keys/indices from the document root to `node`. For a key, the path includes the key itself. */
  readonly path: PathSeg[];
  readonly node: Node | null;
  /** The pair whose key or value holds the offset, when inside a mapping. */
  readonly pair?: Pair;
  readonly isKey: boolean;
}

function contains(node: Node | null | undefined, off: number): boolean {
  const r = node?.range;
  return !!r && off >= r[0] && off <= r[1];
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** The innermost node at a file offset, with its path (for completion and hover). */
export function nodeAtOffset(parsed: ParsedDoc, offset: number): NodeAt {
  const off = offset - parsed.slice.start;
  const path: PathSeg[] = [];
  let node = parsed.doc.contents as Node | null;
  let pair: Pair | undefined;
  let isKey = false;
  for (;;) {
    if (isMap(node)) {
      let next: Node | null | undefined;
      for (const p of node.items) {
        const k = p.key as Node | null;
        const v = p.value as Node | null;
        if (contains(k, off) && (!v || !contains(v, off) || off < (v.range?.[0] ?? 0))) {
          path.push(keyText(k));
          return { path, node: k, pair: p, isKey: true };
        }
        if (contains(v, off)) {
          path.push(keyText(k));
          pair = p;
          next = v;
          break;
        }
      }
      if (!next) break;
      node = next;
      isKey = false;
    } else if (isSeq(node)) {
      const i = node.items.findIndex((it) => contains(it as Node, off));
      if (i < 0) break;
      path.push(i);
      node = node.items[i] as Node;
      pair = undefined;
    } else break;
  }
  return { path, node, pair, isKey };
}

/** The node at a path of keys/indices, or undefined. */
export function getIn(parsed: ParsedDoc, path: readonly PathSeg[]): Node | undefined {
  let node = parsed.doc.contents as unknown;
  for (const seg of path) {
    if (isMap(node)) node = node.get(seg, true);
    else if (isSeq(node) && typeof seg === 'number') node = node.items[seg];
    else return undefined;
    if (node === undefined || node === null) return undefined;
  }
  return node as Node;
}

/** The pair holding `key` in a mapping node (for ranges of the key itself). */
export function pairOf(map: unknown, key: string): Pair<Node, Node | null> | undefined {
  if (!isMap(map)) return undefined;
  for (const p of map.items)
    if (isScalar(p.key) ? p.key.value === key : p.key === key) return p as Pair<Node, Node | null>;
  return undefined;
}

export { isMap, isSeq, isScalar, isPair };
