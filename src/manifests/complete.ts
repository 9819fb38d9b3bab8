/**
 * Completion for manifests: keys from the schema at the cursor (required first), enum and
 * boolean values, names a disk/interface refers to (and the reverse), local image names for
 * `containerDisk.image`, RuntimeClass names, `apiVersion`/`kind` values, and starter snippets in
 * an empty document. The cursor's path comes from the lines around it (yamlPath.ts), so a
 * half-typed document still completes; names come from the last parse of the document.
 */
import { isMap, isScalar, isSeq } from 'yaml';
import { cursorContext, type YamlPath } from './yamlPath';
import { kindsFor, RUN_STRATEGIES, servedApiVersions, type KindInfo } from './kinds';
import { getIn, type ParsedDoc } from './parse';
import type { JSONSchema, SchemaStore, SchemaVersions } from './schemas';
import { MANIFEST_SNIPPETS, snippetText } from './snippets';
import type { WorkspaceFacts } from './diagnostics';
import { textOf } from '../common/text';

export interface ManifestCompletionItem {
  label: string;
  kind: 'property' | 'value' | 'enum' | 'reference' | 'image' | 'snippet' | 'keyword';
  detail?: string;
  /** Markdown. */
  documentation?: string;
  /** Text to insert; VS Code snippet syntax when `snippet` is true. */
  insertText: string;
  snippet: boolean;
  sortText: string;
  /** File offsets of the text the item replaces. */
  start: number;
  end: number;
  preselect?: boolean;
}

export interface ManifestCompletionList {
  items: ManifestCompletionItem[];
  isIncomplete: boolean;
}

/**
 * What completion knows beyond the document: the engine's WorkspaceFacts, plus an asynchronous
 * image lister (the container backend answers over a socket; `localImages` is the cached form).
 */
export type CompletionFacts = WorkspaceFacts & {
  /** Local container image names (`repo:tag`), when a container backend is present. */
  listImageNames?(): Promise<string[]>;
};

export interface CompletionInput {
  /** the whole file */
  text: string;
  offset: number;
  /** the last parse of the document that holds `offset` (may lag the text by an edit) */
  parsed: ParsedDoc | undefined;
  schemas: SchemaStore;
  k8sVersion: SchemaVersions | string;
  facts?: CompletionFacts;
  /** RuntimeClass handler names the user listed in settings. */
  knownRuntimeClasses?: readonly string[];
}

const EMPTY: ManifestCompletionList = { items: [], isIncomplete: false };

export async function complete(input: CompletionInput): Promise<ManifestCompletionList> {
  const ctx = cursorContext(input.text, input.offset);
  if (ctx.kind === 'none') return EMPTY;
  const parsed = input.parsed;
  const kindInfo = parsed?.kindInfo;
  if (ctx.kind === 'key') {
    const items: ManifestCompletionItem[] = [];
    const end = input.offset + wordAfter(input.text, input.offset);
    if (ctx.path.length === 0 && !ctx.inNewItem && (!kindInfo || parsed?.empty)) {
      // A document with no recognised kind yet: the starters, then the keys that pick a kind.
      items.push(...snippetItems(ctx.replaceStart, end, !parsed || parsed.empty));
      for (const [i, k] of ['apiVersion', 'kind', 'metadata'].entries()) {
        if (ctx.siblings.has(k)) continue;
        items.push({
          label: k,
          kind: 'property',
          insertText: k === 'metadata' ? 'metadata:\n  name: $0' : `${k}: $0`,
          snippet: true,
          sortText: `1${i}`,
          start: ctx.replaceStart,
          end,
        });
      }
      if (!kindInfo) return { items, isIncomplete: false };
    }
    if (!kindInfo) return EMPTY;
    const root = input.schemas.forKind(kindInfo, input.k8sVersion);
    const schema = input.schemas.resolveAt(root, ctx.path);
    if (!schema) return { items, isIncomplete: false };
    items.push(...keyItems(input.schemas, schema, ctx.siblings, ctx.replaceStart, end));
    return { items, isIncomplete: false };
  }
  // A value.
  const start = ctx.replaceStart;
  const end = ctx.replaceEnd;
  const path = ctx.path;
  if (path.length === 1 && path[0] === 'apiVersion') {
    return list(servedApiVersions().map((v, i) => value(v, 'keyword', start, end, i, 'served apiVersion')));
  }
  if (path.length === 1 && path[0] === 'kind') {
    const api = parsed?.apiVersion ?? apiVersionFromText(input.text, input.offset);
    return list(
      (api ? kindsFor(api) : []).map((k, i) => value(k, 'keyword', start, end, i, `kind in ${api}`)),
    );
  }
  if (!kindInfo) return EMPTY;
  const refs = await referenceItems(input, kindInfo, path, start, end);
  const root = input.schemas.forKind(kindInfo, input.k8sVersion);
  const schema = input.schemas.resolveAt(root, path);
  const items = [...refs];
  if (schema) items.push(...valueItems(input.schemas, schema, path, start, end));
  return list(items);
}

function list(items: ManifestCompletionItem[]): ManifestCompletionList {
  return { items, isIncomplete: false };
}

function wordAfter(text: string, offset: number): number {
  const m = /^[\w.\-/]*/.exec(text.slice(offset, offset + 200));
  return m ? m[0].length : 0;
}

function apiVersionFromText(text: string, offset: number): string | undefined {
  // Before the first parse (or with a broken document): the nearest `apiVersion:` above.
  const before = text.slice(Math.max(0, offset - 4000), offset);
  const docStart = before.lastIndexOf('\n---');
  const m = /^apiVersion:[ \t]*["']?([\w./-]+)/m.exec(docStart >= 0 ? before.slice(docStart) : before);
  return m?.[1];
}

function value(
  v: string,
  kind: ManifestCompletionItem['kind'],
  start: number,
  end: number,
  i: number,
  detail?: string,
  documentation?: string,
): ManifestCompletionItem {
  return {
    label: v,
    kind,
    insertText: v,
    snippet: false,
    sortText: String(i).padStart(4, '0'),
    start,
    end,
    ...(detail ? { detail } : {}),
    ...(documentation ? { documentation } : {}),
  };
}

function snippetItems(start: number, end: number, emptyDoc: boolean): ManifestCompletionItem[] {
  return MANIFEST_SNIPPETS.map((s, i) => ({
    label: s.label,
    kind: 'snippet' as const,
    detail: s.description,
    documentation:
      '```yaml\n' +
      s.body
        .join('\n')
        .replace(/\$\{\d+\|([^,|]*)[^}]*\}/g, '$1')
        .replace(/\$\{\d+:([^}]*)\}/g, '$1')
        .replace(/\$0/g, '') +
      '\n```',
    insertText: snippetText(s),
    snippet: true,
    // In an empty document the starters come first; elsewhere after the keys.
    sortText: `${emptyDoc ? '0' : '2'}${i}`,
    start,
    end,
    preselect: emptyDoc && i === 0,
  }));
}

/** Types of a schema, with `object`/`array` inferred from properties/items. */
export function typesOf(s: JSONSchema): string[] {
  const t = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  if (t.length === 0 && s.properties) return ['object'];
  if (t.length === 0 && s.items) return ['array'];
  return t;
}

/** A short type label: `string`, `[]object`, `quantity`, `map[string]string`. */
function typeLabel(store: SchemaStore, s: JSONSchema): string {
  if (s.format === 'quantity') return 'quantity (e.g. 1Gi, 500m)';
  if (s.format === 'int-or-string') return 'integer or string';
  const t = typesOf(s);
  if (t.includes('array')) {
    const items = s.items ? store.deref(s.items) : undefined;
    return `[]${items ? typeLabel(store, items) : 'any'}`;
  }
  if (t.includes('object') && !s.properties && typeof s.additionalProperties === 'object') {
    return `map[string]${typeLabel(store, store.deref(s.additionalProperties))}`;
  }
  return t.join(' | ') || 'any';
}

/** Markdown shared by key completion and hover. */
export function schemaMarkdown(store: SchemaStore, s: JSONSchema, title?: string): string {
  const parts: string[] = [];
  // Completion shows the type as the item's detail already; hover leads with it.
  if (title) parts.push(`**${title}**: \`${typeLabel(store, s)}\``);
  if (s.description) parts.push(s.description.trim());
  if (s.enum?.length) parts.push(`Allowed values: ${s.enum.map((v) => `\`${String(v)}\``).join(', ')}`);
  if (s.required?.length) parts.push(`Required: ${s.required.map((r) => `\`${r}\``).join(', ')}`);
  return parts.join('\n\n');
}

function escapeChoice(v: string): string {
  return v.replace(/[$}\\,|]/g, (c) => '\\' + c);
}

/** What to insert after `key:` for a property of schema `s`, relative to the key's line. */
function insertFor(store: SchemaStore, key: string, s: JSONSchema): string {
  const k = /^[\w.\-/]+$/.test(key) ? key : JSON.stringify(key);
  const t = typesOf(s);
  if (s.enum?.length) return `${k}: \${1|${s.enum.map((v) => escapeChoice(String(v))).join(',')}|}`;
  if (t.includes('array')) return `${k}:\n- $0`;
  if (t.includes('object') && t.length === 1) {
    const hasChildren =
      (s.properties && Object.keys(s.properties).length > 0) ||
      s.additionalProperties !== undefined ||
      s['x-kubernetes-preserve-unknown-fields'];
    // An object with no fields is a marker (`masquerade: {}`, `pod: {}`).
    return hasChildren ? `${k}:\n  $0` : `${k}: {}$0`;
  }
  if (t.length === 1 && t[0] === 'boolean') return `${k}: \${1|true,false|}`;
  void store;
  return `${k}: $0`;
}

function keyItems(
  store: SchemaStore,
  schema: JSONSchema,
  present: Set<string>,
  start: number,
  end: number,
): ManifestCompletionItem[] {
  const props = schema.properties;
  if (!props) return [];
  const required = new Set(schema.required ?? []);
  const items: ManifestCompletionItem[] = [];
  for (const [key, raw] of Object.entries(props)) {
    if (present.has(key)) continue;
    // Read-only status is never written by hand.
    if (key === 'status') continue;
    const s = store.deref(raw);
    const req = required.has(key);
    items.push({
      label: key,
      kind: 'property',
      detail: `${req ? 'required · ' : ''}${typeLabel(store, s)}`,
      documentation: schemaMarkdown(store, s),
      insertText: insertFor(store, key, s),
      snippet: true,
      sortText: `${req ? '0' : '1'}${key}`,
      start,
      end,
      preselect: false,
    });
  }
  return items;
}

function valueItems(
  store: SchemaStore,
  s: JSONSchema,
  path: YamlPath,
  start: number,
  end: number,
): ManifestCompletionItem[] {
  const last = path[path.length - 1];
  let values: string[] = [];
  if (s.enum?.length) values = s.enum.map(String);
  else if (last === 'runStrategy') values = [...RUN_STRATEGIES];
  else if (typesOf(s).length === 1 && typesOf(s)[0] === 'boolean') values = ['true', 'false'];
  const doc = s.description ? s.description.trim() : undefined;
  return values.map((v, i) => value(v, 'enum', start, end, i, typeLabel(store, s), doc));
}

/** Names of the items of a sequence of mappings at `path` (`name:` values). */
function namesAt(parsed: ParsedDoc, path: readonly (string | number)[]): string[] {
  const seq = getIn(parsed, path);
  if (!isSeq(seq)) return [];
  const names: string[] = [];
  for (const it of seq.items) {
    if (!isMap(it)) continue;
    const n = it.get('name', true);
    const name = isScalar(n) ? textOf(n.value) : '';
    if (name) names.push(name);
  }
  return names;
}

function startsWith(path: YamlPath, prefix: readonly (string | number)[]): boolean {
  return prefix.every((p, i) => path[i] === p);
}

/** `rest` matches the tail of `path` after `prefix`, with '#' for any index. */
function tailIs(path: YamlPath, prefix: readonly (string | number)[], rest: readonly string[]): boolean {
  if (path.length !== prefix.length + rest.length || !startsWith(path, prefix)) return false;
  return rest.every((r, i) =>
    r === '#' ? typeof path[prefix.length + i] === 'number' : path[prefix.length + i] === r,
  );
}

async function referenceItems(
  input: CompletionInput,
  k: KindInfo,
  path: YamlPath,
  start: number,
  end: number,
): Promise<ManifestCompletionItem[]> {
  const parsed = input.parsed;
  const out: ManifestCompletionItem[] = [];
  const vmi = k.vmiSpecPath;
  if (vmi && parsed) {
    const pairs: [string[], string[], string[], string][] = [
      // [path tail of the name being typed, where the names come from, names already used, detail]
      [['domain', 'devices', 'disks', '#', 'name'], ['volumes'], ['domain', 'devices', 'disks'], 'volume'],
      [
        ['domain', 'devices', 'interfaces', '#', 'name'],
        ['networks'],
        ['domain', 'devices', 'interfaces'],
        'network',
      ],
      [['volumes', '#', 'name'], ['domain', 'devices', 'disks'], ['volumes'], 'disk without a volume'],
      [
        ['networks', '#', 'name'],
        ['domain', 'devices', 'interfaces'],
        ['networks'],
        'interface without a network',
      ],
    ];
    for (const [tail, from, used, detail] of pairs) {
      if (!tailIs(path, vmi, tail)) continue;
      const taken = new Set(namesAt(parsed, [...vmi, ...used]));
      const self = path[vmi.length + tail.length - 2] as number;
      // The item being edited does not count as taking its own name.
      const selfName = namesAt(parsed, [...vmi, ...used])[self];
      if (selfName !== undefined) taken.delete(selfName);
      const names = namesAt(parsed, [...vmi, ...from]).filter((n) => !taken.has(n));
      names.forEach((n, i) =>
        out.push({ ...value(n, 'reference', start, end, i, detail), preselect: i === 0 }),
      );
    }
    if (path[path.length - 1] === 'image' && path[path.length - 2] === 'containerDisk' && input.facts) {
      const images = await imageNames(input.facts);
      images.forEach((n, i) => out.push(value(n, 'image', start, end, 100 + i, 'local image')));
    }
  }
  if (path[path.length - 1] === 'runtimeClassName') {
    const names = new Set([...(input.facts?.runtimeClassNames?.() ?? [])]);
    const known = (input.knownRuntimeClasses ?? []).filter((n) => !names.has(n));
    [...names]
      .sort()
      .forEach((n, i) => out.push(value(n, 'reference', start, end, i, 'RuntimeClass in the workspace')));
    known.forEach((n, i) =>
      out.push(value(n, 'reference', start, end, 50 + i, 'known RuntimeClass (setting)')),
    );
  }
  return out;
}

/** Image names, answered within a short time so a slow engine never stalls typing. */
async function imageNames(facts: CompletionFacts): Promise<string[]> {
  try {
    const cached = [...(facts.localImages?.() ?? [])];
    const r = facts.listImageNames
      ? await Promise.race([
          facts.listImageNames(),
          new Promise<string[]>((res) => setTimeout(() => res(cached), 1500).unref?.()),
        ])
      : cached;
    return [...new Set(r.filter((n) => n && !n.includes('<none>')))].sort();
  } catch {
    return [];
  }
}
