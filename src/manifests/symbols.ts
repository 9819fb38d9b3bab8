/**
 * The outline of a manifest file: one symbol per document (`Kind name`), and under it the parts
 * people navigate to — disks, interfaces, volumes, networks of a VM; containers and volumes of a
 * pod or pod template; the source and storage of a DataVolume; the handler of a RuntimeClass.
 */
import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import { getIn, nodeRange, pairOf, type ParsedDoc } from './parse';
import { textOf } from '../common/text';

export interface ManifestSymbol {
  name: string;
  detail?: string;
  kind: 'document' | 'section' | 'item' | 'field';
  /** File offsets of the whole symbol and of the part to select (its key or name). */
  start: number;
  end: number;
  selStart: number;
  selEnd: number;
  children: ManifestSymbol[];
}

type Path = readonly (string | number)[];

export function symbols(docs: readonly ParsedDoc[]): ManifestSymbol[] {
  const out: ManifestSymbol[] = [];
  for (const p of docs) {
    if (p.empty || !p.kind) continue;
    const name = scalarAt(p, ['metadata', 'name']) ?? scalarAt(p, ['metadata', 'generateName']) ?? '';
    const kindPair = pairOf(p.doc.contents, 'kind');
    const [selStart, selEnd] = kindPair ? nodeRange(p, kindPair.value) : [p.slice.start, p.slice.start];
    const [start, end] = docRange(p);
    out.push({
      name: name ? `${p.kind} ${name}` : p.kind,
      detail: p.apiVersion ?? '',
      kind: 'document',
      start,
      end,
      selStart,
      selEnd: Math.max(selStart, selEnd),
      children: p.kindInfo ? sections(p) : [],
    });
  }
  return out;
}

function docRange(p: ParsedDoc): [number, number] {
  const r = p.doc.contents?.range;
  if (!r) return [p.slice.start, p.slice.end];
  // From the document's first content to its last, so the outline follows the cursor.
  return [p.slice.start + r[0], p.slice.start + Math.max(r[0], r[1])];
}

function sections(p: ParsedDoc): ManifestSymbol[] {
  const k = p.kindInfo!;
  const out: ManifestSymbol[] = [];
  if (k.vmiSpecPath) {
    const v = k.vmiSpecPath;
    out.push(
      ...list(p, [...v, 'domain', 'devices'], 'disks'),
      ...list(p, [...v, 'domain', 'devices'], 'interfaces'),
    );
    out.push(...list(p, v, 'volumes'), ...list(p, v, 'networks'));
  }
  if (k.podTemplatePath) {
    const spec = [...k.podTemplatePath, 'spec'];
    out.push(
      ...field(p, spec, 'runtimeClassName'),
      ...list(p, spec, 'initContainers'),
      ...list(p, spec, 'containers'),
      ...list(p, spec, 'volumes'),
    );
  }
  if (k.family === 'cdi')
    out.push(...field(p, ['spec'], 'source'), ...field(p, ['spec'], 'storage'), ...field(p, ['spec'], 'pvc'));
  if (k.family === 'runtimeclass')
    out.push(...field(p, [], 'handler'), ...field(p, [], 'overhead'), ...field(p, [], 'scheduling'));
  if (k.family === 'instancetype') out.push(...field(p, ['spec'], 'cpu'), ...field(p, ['spec'], 'memory'));
  if (k.kind === 'VirtualMachine')
    out.push(
      ...field(p, ['spec'], 'runStrategy'),
      ...field(p, ['spec'], 'running'),
      ...list(p, ['spec'], 'dataVolumeTemplates'),
    );
  return out.sort((a, b) => a.start - b.start);
}

function scalarAt(p: ParsedDoc, path: Path): string | undefined {
  const n = getIn(p, path);
  return isScalar(n) && n.value !== null && n.value !== undefined ? textOf(n.value) : undefined;
}

function pairRange(
  p: ParsedDoc,
  pair: Pair,
): { start: number; end: number; selStart: number; selEnd: number } {
  const [selStart, selEnd] = nodeRange(p, pair.key as Node);
  const [, vEnd] = pair.value ? nodeRange(p, pair.value as Node) : [0, selEnd];
  return { start: selStart, end: Math.max(selEnd, vEnd), selStart, selEnd };
}

/** A sequence of named items (`disks:`) as a section with one child per item. */
function list(p: ParsedDoc, parent: Path, key: string): ManifestSymbol[] {
  const pair = pairOf(getIn(p, parent), key);
  if (!pair || !isSeq(pair.value)) return [];
  const children: ManifestSymbol[] = [];
  pair.value.items.forEach((it, i) => {
    if (!isMap(it)) return;
    const nameNode = it.get('name', true);
    const name = isScalar(nameNode) && nameNode.value !== null ? textOf(nameNode.value) : `[${i}]`;
    const [start, end] = nodeRange(p, it);
    const [selStart, selEnd] = isScalar(nameNode) ? nodeRange(p, nameNode) : [start, start];
    children.push({ name, detail: itemDetail(it), kind: 'item', start, end, selStart, selEnd, children: [] });
  });
  return [{ name: key, detail: `${children.length}`, kind: 'section', ...pairRange(p, pair), children }];
}

/** What an item is, in a word: the volume source, the disk bus, the container image. */
function itemDetail(it: Node): string | undefined {
  if (!isMap(it)) return undefined;
  const image = it.get('image', true);
  if (isScalar(image)) return String(image.value);
  for (const pair of it.items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : '';
    if (k && k !== 'name' && isMap(pair.value)) return k;
  }
  return undefined;
}

function field(p: ParsedDoc, parent: Path, key: string): ManifestSymbol[] {
  const pair = pairOf(getIn(p, parent), key);
  if (!pair) return [];
  const v = pair.value;
  const detail = isScalar(v) ? String(v.value) : undefined;
  return [
    {
      name: key,
      ...(detail !== undefined ? { detail } : {}),
      kind: 'field',
      ...pairRange(p, pair),
      children: [],
    },
  ];
}
