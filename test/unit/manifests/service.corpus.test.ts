/**
 * The engine against ~500 real manifests (../shared/corpus, or the copy in test/fixtures):
 * no exception, every range inside its file, no error on a file valid for the API version it
 * declares, and a diagnostic of the right kind on every file NEGATIVE_TESTS.tsv tags.
 * Untagged files with genuine mistakes are listed, with the mistake, in corpus-expectations.tsv.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ManifestService } from '../../../src/manifests/service';
import { lineStarts, positionOf } from '../../../src/manifests/documents';
import type { ManifestDiagnostic } from '../../../src/manifests/diagnostics';
import { corpus, expectations, manifestFiles, negativeTags, SCHEMA_DIR, TAG_CODES } from './corpusLib';

describe('manifest engine on the corpus', function () {
  this.timeout(120_000);
  const { dir, full } = corpus();
  const files = manifestFiles(dir);
  const tags = negativeTags(dir);
  const expect = expectations();
  const results = new Map<string, { text: string; diags: ManifestDiagnostic[] }>();

  before(function () {
    if (!full)
      console.log(
        `\n  (shared corpus not found: using the ${files.length} files copied to test/fixtures/manifests/corpus)\n`,
      );
    const svc = new ManifestService({ schemaDir: SCHEMA_DIR });
    const t0 = performance.now();
    for (const f of files) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      results.set(f, { text, diags: svc.open(f, text) });
      svc.close(f);
    }
    const all = [...results.values()].flatMap((r) => r.diags);
    const by = (s: string) => all.filter((d) => d.severity === s).length;
    console.log(
      `    ${files.length} files in ${(performance.now() - t0).toFixed(0)} ms: ${all.length} diagnostics (${by('error')} errors, ${by('warning')} warnings, ${by('info')} infos)`,
    );
  });

  it('reads every file without an exception and keeps every range inside its file', function () {
    assert.ok(files.length >= (full ? 500 : 10), `only ${files.length} files`);
    for (const [f, { text, diags }] of results) {
      for (const d of diags) {
        assert.ok(
          d.start >= 0 && d.start <= d.end && d.end <= text.length,
          `${f}: ${d.code} range ${d.start}-${d.end} outside 0-${text.length}`,
        );
        assert.ok(d.message.length > 0 && d.code.includes('.'), `${f}: empty message or code`);
      }
    }
  });

  it('reports no error on files valid for the API version they declare', function () {
    const falseErrors: string[] = [];
    for (const [f, { text, diags }] of results) {
      if (tags.has(f)) continue;
      const errs = diags.filter((d) => d.severity === 'error');
      const known = expect.get(f);
      if (known && known.kind !== 'tag-not-reported') {
        assert.ok(
          errs.length > 0,
          `${f} is listed as having genuine errors (${known.reason}) but none was reported: update corpus-expectations.tsv`,
        );
        continue;
      }
      const ls = lineStarts(text);
      for (const e of errs) {
        const p = positionOf(ls, e.start);
        falseErrors.push(`${f}:${p.line + 1}:${p.character + 1} ${e.code} ${e.message}`);
      }
    }
    assert.deepStrictEqual(falseErrors, []);
  });

  it('reports a diagnostic of the right kind on every tagged file', function () {
    const missing: string[] = [];
    let checked = 0;
    for (const [f, t] of tags) {
      const r = results.get(f);
      if (!r) continue;
      if (expect.get(f)?.kind === 'tag-not-reported') {
        continue;
      }
      checked++;
      const codes = new Set(r.diags.map((d) => d.code));
      for (const tag of t) {
        const want = TAG_CODES[tag];
        assert.ok(want, `no expectation for tag ${tag}`);
        if (!want.some((c) => codes.has(c)))
          missing.push(
            `${f}: tag ${tag} wants one of ${want.join('|')}, got ${[...codes].join(',') || 'nothing'}`,
          );
      }
    }
    assert.ok(checked > (full ? 100 : 5), `only ${checked} tagged files checked`);
    assert.deepStrictEqual(missing, []);
  });

  it('reports a removed API version once per document, not a flood', function () {
    for (const [f, { diags }] of results) {
      const removed = diags.filter((d) => d.code === 'api.removed-version');
      if (!removed.length) continue;
      const others = diags.filter((d) => d.code.startsWith('schema.') || d.code.startsWith('kubevirt.'));
      assert.deepStrictEqual(
        others.map((d) => d.code),
        [],
        `${f}: removed apiVersion plus schema/rule noise`,
      );
    }
  });

  it('reports a template once per file', function () {
    for (const [f, { diags }] of results)
      assert.ok(diags.filter((d) => d.code === 'template.placeholders').length <= 1, f);
  });
});
