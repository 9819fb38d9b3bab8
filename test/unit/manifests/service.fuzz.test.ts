/**
 * 10,000 mutations of corpus files (fixed seed): the engine never throws and every diagnostic
 * range lies inside its document. Mutations aim at what breaks parsers and position arithmetic:
 * cut/duplicated lines, stray markers, tabs, quotes, surrogate pairs, placeholders, CRLF.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ManifestService } from '../../../src/manifests/service';
import { splitDocuments } from '../../../src/manifests/documents';
import { corpus, manifestFiles, SCHEMA_DIR } from './corpusLib';
import { at } from '../../harness/pick';

function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '---\n',
  '...\n',
  '\n',
  '\t',
  '  ',
  ': ',
  '- ',
  '"',
  "'",
  '{',
  '}',
  '[',
  ']',
  '&a ',
  '*a',
  '!!str ',
  '? ',
  '|\n',
  '>-\n',
  '#',
  '%YAML 1.2\n',
  '${IMAGE}',
  '{{ .Values.x }}',
  '{% if x %}',
  '😀',
  '\r\n',
  '\u0000',
  'runStrategy: Sometimes\n',
  'running: true\n',
  'bootOrder: 1\n',
  'memory: 1Xi\n',
  'image: "Bad Image"\n',
  'userData: |\n  #cloud-config\n  a: [\n',
  'apiVersion: kubevirt.io/v1alpha3\n',
  'kind: VirtualMachine\n',
  'name: x\n',
  '- name: y\n',
];

/** A random element of a non-empty list. */
function pick<T>(xs: readonly T[], r: () => number): T {
  return at(xs, Math.floor(r() * xs.length));
}

function mutate(text: string, r: () => number): string {
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const pos = Math.floor(r() * (text.length + 1));
    const op = Math.floor(r() * 6);
    if (op === 0)
      text = text.slice(0, pos) + text.slice(Math.min(text.length, pos + 1 + Math.floor(r() * 40)));
    else if (op === 1) text = text.slice(0, pos) + pick(PIECES, r) + text.slice(pos);
    else if (op === 2) {
      const lines = text.split('\n');
      lines.splice(Math.floor(r() * lines.length), 0, pick(lines, r));
      text = lines.join('\n');
    } else if (op === 3) {
      const lines = text.split('\n');
      const i = Math.floor(r() * lines.length);
      const line = at(lines, i);
      lines[i] = r() < 0.5 ? '  ' + line : line.replace(/^ {1,2}/, '');
      text = lines.join('\n');
    } else if (op === 4)
      text = text.slice(0, pos) + String.fromCharCode(32 + Math.floor(r() * 95)) + text.slice(pos + 1);
    else text = text.slice(0, pos);
  }
  return text;
}

describe('manifest engine fuzz', function () {
  this.timeout(180_000);
  it('never throws and keeps every range inside the text on 10,000 mutated corpus files', () => {
    const { dir } = corpus();
    const texts = manifestFiles(dir)
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
      .filter((t) => t.length < 40_000);
    const svc = new ManifestService({ schemaDir: SCHEMA_DIR });
    const r = rng(20261124);
    const t0 = performance.now();
    let diagnostics = 0;
    for (let i = 0; i < 10_000; i++) {
      const src = pick(texts, r);
      const text = mutate(src, r);
      let d;
      try {
        d = i % 2 ? svc.update('f', text) : svc.open('f', text);
      } catch (e) {
        assert.fail(`case ${i} threw ${(e as Error).stack}\n--- text ---\n${text.slice(0, 2000)}`);
      }
      diagnostics += d.length;
      for (const x of d) {
        if (!(x.start >= 0 && x.start <= x.end && x.end <= text.length))
          assert.fail(`case ${i}: ${x.code} range ${x.start}-${x.end} outside 0-${text.length}`);
      }
      const docs = svc.documents('f');
      assert.strictEqual(docs.length, splitDocuments(text).length, `case ${i}: document count`);
    }
    console.log(
      `    10,000 cases in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${diagnostics} diagnostics`,
    );
  });
});
