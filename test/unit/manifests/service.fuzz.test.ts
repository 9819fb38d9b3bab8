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
import { mutate, pick, rng } from './fuzzLib';

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
