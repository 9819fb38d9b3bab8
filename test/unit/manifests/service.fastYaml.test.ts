/**
 * The engine's results with the fast YAML path and without it (the `yaml` package alone, the
 * reference): the same diagnostics (ranges, codes, messages, fix data), symbols, hovers and
 * completions, on every corpus file and fixture and on mutated copies of them (fixed seed).
 * yamlFast.test.ts compares the trees; this compares what a user sees.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { ManifestService } from '../../../src/manifests/service';
import { setFastYaml } from '../../../src/manifests/yamlFast';
import { corpus, manifestFiles, ROOT, SCHEMA_DIR } from './corpusLib';
import { mutate, pick, rng } from './fuzzLib';
import { at } from '../../harness/pick';

function files(): { name: string; text: string }[] {
  const { dir } = corpus();
  const out = manifestFiles(dir).map((f) => ({ name: f, text: fs.readFileSync(path.join(dir, f), 'utf8') }));
  const fixtures = path.join(ROOT, 'test', 'fixtures');
  for (const e of fs.readdirSync(fixtures, { recursive: true, withFileTypes: true }))
    if (e.isFile() && /\.ya?ml$/.test(e.name)) {
      const f = path.join(e.parentPath, e.name);
      out.push({ name: path.relative(ROOT, f), text: fs.readFileSync(f, 'utf8') });
    }
  return out;
}

/**
 * undefined when equal, else the two as JSON around where they first differ (assert's own diff
 * of two large results takes minutes).
 */
function firstDifference(x: unknown, y: unknown): string | undefined {
  if (isDeepStrictEqual(x, y)) return undefined;
  const a = JSON.stringify(x) ?? 'undefined';
  const b = JSON.stringify(y) ?? 'undefined';
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 200);
  return `\n  fast: …${a.slice(from, i + 300)}\n  yaml: …${b.slice(from, i + 300)}`;
}

/** Runs `f` with the fast path on or off, and turns it back on. */
function withFast<T>(on: boolean, f: () => T): T {
  setFastYaml(on);
  try {
    return f();
  } finally {
    setFastYaml(true);
  }
}

/** Offsets to ask hover and completion at: after each key's colon and inside values, spread over the text. */
function probes(text: string, r: () => number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.floor(r() * (text.length + 1)));
  const colon = text.indexOf(': ');
  if (n > 0 && colon >= 0) out.push(colon + 2);
  return out;
}

describe('the engine with and without the fast YAML path', function () {
  this.timeout(170_000);
  const fast = new ManifestService({ schemaDir: SCHEMA_DIR });
  const ref = new ManifestService({ schemaDir: SCHEMA_DIR });

  /** undefined when both agree on `text` (as file `uri`), else what differs. */
  async function differ(
    uri: string,
    text: string,
    r: () => number,
    nProbes: number,
  ): Promise<string | undefined> {
    const a = withFast(true, () => fast.open(uri, text));
    const b = withFast(false, () => ref.open(uri, text));
    try {
      const checks: [string, () => unknown, () => unknown][] = [
        ['diagnostics', () => a, () => b],
        ['symbols', () => fast.symbols(uri), () => ref.symbols(uri)],
        ...a.map((d, i): [string, () => unknown, () => unknown] => [
          `code actions for ${d.code}`,
          () => fast.codeActions(uri, d),
          () => ref.codeActions(uri, at(b, i)),
        ]),
      ];
      for (const o of probes(text, r, nProbes))
        checks.push([`hover at ${o}`, () => fast.hover(uri, o), () => ref.hover(uri, o)]);
      for (const [what, x, y] of checks) {
        const d = firstDifference(withFast(true, x), withFast(false, y));
        if (d) return `${what}: ${d}`;
      }
      for (const o of probes(text, r, nProbes)) {
        setFastYaml(true);
        const ca = await fast.complete(uri, o);
        setFastYaml(false);
        const cb = await ref.complete(uri, o).finally(() => setFastYaml(true));
        const d = firstDifference(ca, cb);
        if (d) return `completion at ${o}: ${d}`;
      }
      return undefined;
    } finally {
      fast.close(uri);
      ref.close(uri);
    }
  }

  it('gives the same results on every corpus file and fixture', async () => {
    const r = rng(7);
    const all = files();
    assert.ok(all.length > (corpus().full ? 500 : 40), `only ${all.length} files`);
    for (const { name, text } of all) {
      const d = await differ(name, text, r, 3);
      if (d) assert.fail(`${name}: ${d}`);
    }
  });

  it('gives the same results on 1,000 mutated corpus files', async () => {
    const r = rng(20261203);
    const texts = files()
      .map((f) => f.text)
      .filter((t) => t.length < 40_000);
    for (let i = 0; i < 1000; i++) {
      const text = mutate(pick(texts, r), r);
      // Completion and hover are the slow part: probe every fourth case.
      const d = await differ('f.yaml', text, r, i % 4 ? 0 : 1);
      if (d) assert.fail(`case ${i}: ${d}\n--- text ---\n${text.slice(0, 1500)}`);
    }
  });
});
