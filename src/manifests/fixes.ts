/**
 * Quick fixes for the engine's diagnostics, as offset-based text edits (the editor adapter turns
 * them into a WorkspaceEdit). Each fix is recomputed from the current parse of the document, not
 * from offsets stored in the diagnostic's `data`, because the document may have moved since.
 */
import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import { getIn, pairOf, type ParsedDoc } from './parse';
import type { ManifestDiagnostic } from './diagnostics';
import type { JSONSchema, SchemaStore, SchemaVersions } from './schemas';
import { typesOf } from './complete';
import { textOf } from '../common/text';

export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

export interface ManifestCodeAction {
  title: string;
  kind: 'quickfix';
  isPreferred?: boolean;
  edits: TextEdit[];
}

export interface FixContext {
  /** the whole file */
  text: string;
  parsed: ParsedDoc;
  store: SchemaStore;
  k8sVersion: SchemaVersions | string;
}

type Path = readonly (string | number)[];

export function codeActions(ctx: FixContext, d: ManifestDiagnostic): ManifestCodeAction[] {
  const data = (d.data ?? {}) as Record<string, unknown>;
  switch (d.code) {
    case 'kubevirt.running-deprecated':
      return runningToRunStrategy(ctx);
    case 'kubevirt.running-and-runStrategy':
      return removeRunning(ctx);
    case 'api.removed-version':
      return replaceApiVersion(ctx, data);
    case 'kubevirt.disk-without-volume':
      return addVolume(ctx, data);
    case 'kubevirt.volume-without-disk':
      return addDisk(ctx, data);
    case 'kubevirt.interface-without-network':
      return addNetwork(ctx, data);
    case 'schema.required':
      return addRequired(ctx, data);
    case 'schema.unknown-key':
      return renameKey(ctx, d, data);
    case 'schema.enum':
      return replaceValue(d, data);
    case 'virtlet.image-prefix':
      return typeof data.replacement === 'string'
        ? [
            {
              title: `Use \`${data.replacement}\``,
              kind: 'quickfix',
              isPreferred: true,
              edits: [{ start: d.start, end: d.end, newText: data.replacement }],
            },
          ]
        : [];
    default:
      return [];
  }
}

// ---- helpers on text and nodes ----

function abs(ctx: FixContext, local: number): number {
  return ctx.parsed.slice.start + local;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function columnOf(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}

/** Where to insert whole lines after a node: the start of the line after its last character. */
function afterNode(text: string, endOffset: number): { at: number; lead: string } {
  let e = endOffset;
  while (e > 0 && /\s/.test(text[e - 1]!)) e--;
  const nl = text.indexOf('\n', e);
  if (nl < 0) return { at: text.length, lead: '\n' };
  return { at: nl + 1, lead: '' };
}

function indentUnit(text: string): string {
  // Two spaces unless the file clearly uses four.
  return /\n {4}\S/.test(text) && !/\n {2}\S/.test(text) ? '    ' : '  ';
}

/** Lines (without final newline) indented by `indent`. */
function block(lines: readonly string[], indent: string): string {
  return lines.map((l) => indent + l).join('\n') + '\n';
}

/** Appends `key: …` lines to the mapping at `path`, or creates the mapping under its parent key. */
function appendToMapping(ctx: FixContext, path: Path, lines: string[]): TextEdit | undefined {
  const { text, parsed } = ctx;
  const unit = indentUnit(text);
  const node = path.length ? getIn(parsed, path) : (parsed.doc.contents as Node | null);
  if (isMap(node) && node.items.length > 0 && !node.flow) {
    const first = node.items[0]!.key as Node;
    const last = node.items[node.items.length - 1]!;
    const col = columnOf(text, abs(ctx, first.range![0]));
    const end = (last.value as Node | null)?.range?.[2] ?? (last.key as Node).range![2];
    const { at, lead } = afterNode(text, abs(ctx, end));
    return { start: at, end: at, newText: lead + block(lines, ' '.repeat(col)) };
  }
  if (path.length === 0) return undefined;
  // The mapping is missing, empty, or `{}`: write it under its key.
  const parentPath = path.slice(0, -1);
  const key = path[path.length - 1];
  const parent = parentPath.length ? getIn(parsed, parentPath) : (parsed.doc.contents as Node | null);
  if (typeof key !== 'string') return undefined;
  const p = pairOf(parent, key);
  if (p) {
    const k = p.key;
    const col = columnOf(text, abs(ctx, k.range![0]));
    const valueNode = p.value;
    const start = abs(ctx, k.range![0]);
    const end = valueNode?.range ? abs(ctx, valueNode.range[1]) : abs(ctx, k.range![1]) + 1;
    const keyLine = `${key}:\n`;
    return {
      start,
      end: Math.max(end, start),
      newText: keyLine + block(lines, ' '.repeat(col) + unit).replace(/\n$/, ''),
    };
  }
  // Neither the mapping nor its key: add the key to the parent.
  return appendToMapping(ctx, parentPath, [`${key}:`, ...lines.map((l) => unit + l)]);
}

/** Appends an item (given as lines, the first after `- `) to the sequence at `path`, creating it if needed. */
function appendToSequence(ctx: FixContext, path: Path, itemLines: string[]): TextEdit | undefined {
  const { text, parsed } = ctx;
  const seq = getIn(parsed, path);
  const item = itemLines.map((l, i) => (i === 0 ? `- ${l}` : `  ${l}`));
  if (isSeq(seq) && seq.items.length > 0 && !seq.flow) {
    const first = seq.items[0] as Node;
    // The dash sits two columns left of the item's content in `- name: x`.
    const dashCol = Math.max(0, columnOf(text, abs(ctx, first.range![0])) - 2);
    const { at, lead } = afterNode(text, abs(ctx, seq.range![2]));
    return { start: at, end: at, newText: lead + block(item, ' '.repeat(dashCol)) };
  }
  if (typeof path[path.length - 1] !== 'string') return undefined;
  // No sequence (or an empty/flow one): (re)write `key:` with one item, Kubernetes style.
  return rewriteAsSequence(ctx, path, item);
}

function rewriteAsSequence(ctx: FixContext, path: Path, item: string[]): TextEdit | undefined {
  const parentPath = path.slice(0, -1);
  const key = path[path.length - 1] as string;
  const parent =
    getIn(ctx.parsed, parentPath) ??
    (parentPath.length === 0 ? (ctx.parsed.doc.contents as Node) : undefined);
  const p = pairOf(parent, key);
  if (p) {
    const k = p.key;
    const col = columnOf(ctx.text, abs(ctx, k.range![0]));
    const v = p.value;
    const start = abs(ctx, k.range![0]);
    const end = v?.range ? abs(ctx, v.range[1]) : abs(ctx, k.range![1]) + 1;
    return { start, end, newText: `${key}:\n` + block(item, ' '.repeat(col)).replace(/\n$/, '') };
  }
  return appendToMapping(ctx, parentPath, [`${key}:`, ...item]);
}

// ---- the fixes ----

function specPair(ctx: FixContext, key: string): Pair | undefined {
  return pairOf(getIn(ctx.parsed, ['spec']), key);
}

function runningToRunStrategy(ctx: FixContext): ManifestCodeAction[] {
  const p = specPair(ctx, 'running');
  if (!p) return [];
  const k = p.key as Node;
  const v = p.value as Node | null;
  const value = isScalar(v) ? v.value : undefined;
  const strategy = value === false || value === 'false' ? 'Halted' : 'Always';
  const start = abs(ctx, k.range![0]);
  const end = v?.range ? abs(ctx, v.range[1]) : abs(ctx, k.range![1]);
  return [
    {
      title: `Replace \`running: ${String(value)}\` with \`runStrategy: ${strategy}\``,
      kind: 'quickfix',
      isPreferred: true,
      edits: [{ start, end, newText: `runStrategy: ${strategy}` }],
    },
  ];
}

function removeRunning(ctx: FixContext): ManifestCodeAction[] {
  const p = specPair(ctx, 'running');
  if (!p) return [];
  const k = p.key as Node;
  const start = lineStart(ctx.text, abs(ctx, k.range![0]));
  const v = p.value as Node | null;
  const last = v?.range ? abs(ctx, v.range[1]) : abs(ctx, k.range![1]);
  const nl = ctx.text.indexOf('\n', last);
  const end = nl < 0 ? ctx.text.length : nl + 1;
  return [
    {
      title: 'Remove the deprecated `spec.running` (keep `spec.runStrategy`)',
      kind: 'quickfix',
      isPreferred: true,
      edits: [{ start, end, newText: '' }],
    },
  ];
}

function replaceApiVersion(ctx: FixContext, data: Record<string, unknown>): ManifestCodeAction[] {
  const replacement =
    typeof data.replacement === 'string' ? data.replacement : ctx.parsed.kindInfo?.removed?.replacement;
  const p = pairOf(ctx.parsed.doc.contents, 'apiVersion');
  const v = p?.value;
  if (!replacement || !v?.range) return [];
  return [
    {
      title: `Change apiVersion to \`${replacement}\``,
      kind: 'quickfix',
      isPreferred: true,
      edits: [{ start: abs(ctx, v.range[0]), end: abs(ctx, v.range[1]), newText: replacement }],
    },
  ];
}

function vmiPath(ctx: FixContext, data: Record<string, unknown>): Path | undefined {
  if (Array.isArray(data.specPath)) return data.specPath as Path;
  return ctx.parsed.kindInfo?.vmiSpecPath;
}

const VOLUME_SOURCES: [string, (name: string) => string[]][] = [
  ['containerDisk', () => ['containerDisk:', '  image: quay.io/containerdisks/fedora:latest']],
  ['persistentVolumeClaim', (n) => ['persistentVolumeClaim:', `  claimName: ${n}`]],
  ['dataVolume', (n) => ['dataVolume:', `  name: ${n}`]],
  ['cloudInitNoCloud', () => ['cloudInitNoCloud:', '  userData: |', '    #cloud-config', '    {}']],
  ['emptyDisk', () => ['emptyDisk:', '  capacity: 1Gi']],
];

function addVolume(ctx: FixContext, data: Record<string, unknown>): ManifestCodeAction[] {
  const name = typeof data.name === 'string' ? data.name : undefined;
  const base = vmiPath(ctx, data);
  if (!name || !base) return [];
  const path = Array.isArray(data.volumesPath) ? (data.volumesPath as Path) : [...base, 'volumes'];
  // A disk called like a cloud-init disk most likely wants that source first.
  const order = /cloud.?init/i.test(name) ? [3, 0, 1, 2, 4] : [0, 1, 2, 4, 3];
  const out: ManifestCodeAction[] = [];
  for (const i of order) {
    const [source, lines] = VOLUME_SOURCES[i]!;
    const edit = appendToSequence(ctx, path, [`name: ${yamlScalar(name)}`, ...lines(name)]);
    if (edit)
      out.push({
        title: `Add a ${source} volume \`${name}\``,
        kind: 'quickfix',
        isPreferred: out.length === 0,
        edits: [edit],
      });
  }
  return out;
}

function addDisk(ctx: FixContext, data: Record<string, unknown>): ManifestCodeAction[] {
  const name = typeof data.name === 'string' ? data.name : undefined;
  const base = vmiPath(ctx, data);
  if (!name || !base) return [];
  const edit = appendToSequence(
    ctx,
    [...base, 'domain', 'devices', 'disks'],
    [`name: ${yamlScalar(name)}`, 'disk:', '  bus: virtio'],
  );
  return edit ? [{ title: `Add a virtio disk for volume \`${name}\``, kind: 'quickfix', edits: [edit] }] : [];
}

function addNetwork(ctx: FixContext, data: Record<string, unknown>): ManifestCodeAction[] {
  const name = typeof data.name === 'string' ? data.name : undefined;
  const base = vmiPath(ctx, data);
  if (!name || !base) return [];
  const edit = appendToSequence(ctx, [...base, 'networks'], [`name: ${yamlScalar(name)}`, 'pod: {}']);
  return edit
    ? [{ title: `Add a pod network \`${name}\``, kind: 'quickfix', isPreferred: true, edits: [edit] }]
    : [];
}

/** A placeholder value a required field of schema `s` can start from. */
function placeholderFor(store: SchemaStore, s: JSONSchema | undefined, key: string): string {
  if (!s) return '""';
  const d = store.deref(s);
  if (d.enum?.length) return String(d.enum[0]);
  if (key === 'runStrategy') return 'Always';
  const t = typesOf(d);
  if (t.includes('array')) return '[]';
  if (t.includes('object')) return '{}';
  if (t.includes('integer') || t.includes('number')) return String(d.minimum ?? 0);
  if (t.includes('boolean')) return 'false';
  return '""';
}

function addRequired(ctx: FixContext, data: Record<string, unknown>): ManifestCodeAction[] {
  const path = Array.isArray(data.path) ? (data.path as Path) : undefined;
  const missing = Array.isArray(data.missing)
    ? data.missing.filter((m): m is string => typeof m === 'string')
    : [];
  if (!path || !missing.length || !ctx.parsed.kindInfo) return [];
  const root = ctx.store.forKind(ctx.parsed.kindInfo, ctx.k8sVersion);
  const parent = ctx.store.resolveAt(root, path);
  const lines = missing.map(
    (m) => `${m}: ${placeholderFor(ctx.store, parent && ctx.store.child(parent, m), m)}`,
  );
  const edit = appendToMapping(ctx, path, lines);
  if (!edit) return [];
  const title =
    missing.length === 1
      ? `Add required field \`${missing[0]}\``
      : `Add required fields ${missing.map((m) => `\`${m}\``).join(', ')}`;
  return [{ title, kind: 'quickfix', isPreferred: true, edits: [edit] }];
}

function renameKey(
  ctx: FixContext,
  d: ManifestDiagnostic,
  data: Record<string, unknown>,
): ManifestCodeAction[] {
  const suggestion = typeof data.suggestion === 'string' ? data.suggestion : undefined;
  if (!suggestion) return [];
  void ctx;
  return [
    {
      title: `Rename to \`${suggestion}\``,
      kind: 'quickfix',
      isPreferred: true,
      edits: [{ start: d.start, end: d.end, newText: suggestion }],
    },
  ];
}

function replaceValue(d: ManifestDiagnostic, data: Record<string, unknown>): ManifestCodeAction[] {
  const allowed = Array.isArray(data.allowed) ? data.allowed.map(String) : [];
  const current = textOf(data.value).toLowerCase();
  // The closest spelling first (case-insensitive match), then the rest, at most eight.
  const sorted = [...allowed].sort(
    (a, b) => Number(b.toLowerCase() === current) - Number(a.toLowerCase() === current),
  );
  return sorted.slice(0, 8).map((v, i) => ({
    title: `Change to \`${v}\``,
    kind: 'quickfix' as const,
    isPreferred: i === 0 && v.toLowerCase() === current,
    edits: [{ start: d.start, end: d.end, newText: yamlScalar(v) }],
  }));
}

/** A plain scalar when safe, else double-quoted. */
function yamlScalar(v: string): string {
  return /^[A-Za-z0-9_][\w.\-/]*$/.test(v) &&
    !/^(true|false|yes|no|on|off|null|~|y|n)$/i.test(v) &&
    !/^[0-9.+-]+$/.test(v)
    ? v
    : JSON.stringify(v);
}
