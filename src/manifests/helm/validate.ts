/**
 * A chart checked the way it is deployed: rendered by `helm template`, each rendered document
 * validated like any manifest, and each diagnostic put back on the template it came from — on the
 * template line that produced the rendered line (same text, else the same key under the same
 * parents, else the same key), or on the template's first line when that cannot be known.
 */
import * as path from 'path';
import { lineStarts, splitDocuments } from '../documents';
import { parseSlice } from '../parse';
import { validateParsed } from '../validate';
import { pathAtCursor, shapeOf } from '../yamlPath';
import type { ManifestDiagnostic, ValidationOptions } from '../diagnostics';
import type { SchemaStore } from '../schemas';
import type { FileFacts } from '../files';
import { renderChart, type ChartRender, type RenderOptions } from './render';

export interface ChartResult {
  /** Template (or values/Chart.yaml) path → diagnostics in offsets of that file's text. */
  byFile: Map<string, ManifestDiagnostic[]>;
  render: ChartRender;
}

interface Line {
  start: number;
  text: string;
}

function linesOf(text: string): Line[] {
  return lineStarts(text).map((s, i, a) => ({
    start: s,
    text: text.slice(s, (a[i + 1] ?? text.length + 1) - 1).replace(/\r$/, ''),
  }));
}

const stripIdx = (p: readonly (string | number)[]) => p.filter((x) => typeof x === 'string').join('.');

/** Where in the template a rendered range most likely came from (template offsets). */
export function mapToTemplate(
  tpl: string,
  tplLines: Line[],
  rendered: string,
  start: number,
  end: number,
): [number, number] | undefined {
  const rl = rendered.lastIndexOf('\n', start - 1) + 1;
  const rle = rendered.indexOf('\n', start);
  const rLine = rendered.slice(rl, rle < 0 ? rendered.length : rle).replace(/\r$/, '');
  const shape = shapeOf(rLine);
  const piece = rendered.slice(start, Math.max(start, end));
  const rPath = pathAtCursor(
    rendered,
    Math.min(start, Math.max(rl, (rle < 0 ? rendered.length : rle) - 1)),
  )?.path;
  let best: { line: Line; score: number } | undefined;
  for (const l of tplLines) {
    let score = 0;
    if (l.text.trim() === rLine.trim() && rLine.trim()) score += 4;
    const s = shapeOf(l.text);
    if (shape.key !== undefined && s.key === shape.key) {
      score += 1;
      const tp = pathAtCursor(tpl, l.start + s.contentCol);
      if (rPath && tp && stripIdx(tp.path) === stripIdx(rPath)) score += 2;
    } else if (shape.key === undefined && piece.trim() && l.text.includes(piece.trim())) score += 1;
    else if (score === 0) continue;
    if (!best || score > best.score) best = { line: l, score };
  }
  if (!best) return undefined;
  const l = best.line;
  const at = piece ? l.text.indexOf(piece) : -1;
  if (at >= 0) return [l.start + at, l.start + at + piece.length];
  const s = shapeOf(l.text);
  return [l.start + s.contentCol, l.start + l.text.trimEnd().length];
}

function firstLineRange(text: string): [number, number] {
  const m = /^(?!\s*#)\S.*$/m.exec(text);
  return m ? [m.index, m.index + m[0].length] : [0, Math.min(text.length, text.indexOf('\n') >>> 0)];
}

export async function validateChart(
  o: RenderOptions & { store: SchemaStore; options?: ValidationOptions; files: FileFacts },
): Promise<ChartResult> {
  const render = await renderChart(o);
  const byFile = new Map<string, ManifestDiagnostic[]>();
  const add = (file: string, d: ManifestDiagnostic) => {
    const l = byFile.get(file);
    if (l) l.push(d);
    else byFile.set(file, [d]);
  };
  const texts = new Map<string, { text: string; lines: Line[] }>();
  const textOf = (file: string) => {
    let t = texts.get(file);
    if (!t) {
      const text = o.files.read(file) ?? '';
      t = { text, lines: linesOf(text) };
      texts.set(file, t);
    }
    return t;
  };
  for (const e of render.errors) {
    const { text, lines } = textOf(e.file);
    const line = e.line > 0 ? lines[e.line - 1] : undefined;
    let range: [number, number];
    if (line) {
      const col =
        e.column > 0
          ? Math.min(e.column - 1, line.text.length)
          : line.text.length - line.text.trimStart().length;
      range = [line.start + col, line.start + Math.max(col + 1, line.text.trimEnd().length)];
      if (range[1] <= range[0]) range = [line.start, line.start + line.text.length];
    } else range = firstLineRange(text);
    add(e.file, {
      start: Math.min(range[0], text.length),
      end: Math.min(Math.max(range[0], range[1]), text.length),
      severity: 'error',
      code: 'helm.template-error',
      message: `helm template: ${e.message}`,
    });
  }
  // A rendered line no template has verbatim may come verbatim from a values file (`toYaml .Values.x`).
  const valuesFiles = [path.join(o.chartDir, 'values.yaml'), ...(o.valuesFiles ?? [])];
  const inValues = (
    rendered: string,
    start: number,
    end: number,
  ): { file: string; range: [number, number] } | undefined => {
    const rl = rendered.lastIndexOf('\n', start - 1) + 1;
    const rle = rendered.indexOf('\n', start);
    const rLine = rendered.slice(rl, rle < 0 ? rendered.length : rle).trim();
    if (!rLine || !rLine.includes(':')) return undefined;
    for (const vf of valuesFiles) {
      const { lines } = textOf(vf);
      const l = lines.find((x) => x.text.trim() === rLine);
      if (!l) continue;
      const piece = rendered.slice(start, Math.max(start, end));
      const at = piece ? l.text.indexOf(piece) : -1;
      const ind = l.text.length - l.text.trimStart().length;
      return {
        file: vf,
        range:
          at >= 0 ? [l.start + at, l.start + at + piece.length] : [l.start + ind, l.start + l.text.length],
      };
    }
    return undefined;
  };
  for (const doc of render.docs) {
    const { text: tpl, lines } = textOf(doc.file);
    for (const s of splitDocuments(doc.text)) {
      const parsed = parseSlice(s);
      if (!parsed.kindInfo) continue;
      for (const d of validateParsed(parsed, {
        store: o.store,
        ...(o.options ? { options: o.options } : {}),
      })) {
        const mapped = mapToTemplate(tpl, lines, doc.text, d.start, d.end);
        const exact = mapped && tpl.slice(mapped[0], mapped[1]) === doc.text.slice(d.start, d.end);
        const fromValues = !exact ? inValues(doc.text, d.start, d.end) : undefined;
        if (fromValues) {
          const vt = textOf(fromValues.file).text;
          add(fromValues.file, {
            ...d,
            start: fromValues.range[0],
            end: Math.min(fromValues.range[1], vt.length),
            message: `${d.message} (rendered into ${path.basename(doc.file)})`,
            data: { ...(typeof d.data === 'object' && d.data ? d.data : {}), rendered: doc.source },
          });
          continue;
        }
        const [start, end] = mapped ?? firstLineRange(tpl);
        add(doc.file, {
          ...d,
          start: Math.min(start, tpl.length),
          end: Math.min(Math.max(start, end), tpl.length),
          message: mapped ? d.message : `${d.message} (in the rendered ${path.basename(doc.file)})`,
          data: { ...(typeof d.data === 'object' && d.data ? d.data : {}), rendered: doc.source },
        });
      }
    }
  }
  return { byFile, render };
}
