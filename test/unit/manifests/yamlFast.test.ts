/**
 * The fast YAML path against the `yaml` package itself: whatever the fast parser accepts, yaml
 * parses without an error or warning into the same tree (node kinds, values, scalar types,
 * formats, every range, flow flags, the document's range), on the corpus, on hand-written edge
 * cases, and on 20,000 mutated corpus documents (fixed seed). It must also keep taking the
 * manifests people write (else the engine silently loses its speed).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as Y from 'yaml';
import { fastParse } from '../../../src/manifests/yamlFast';
import { YAML_OPTIONS } from '../../../src/manifests/parse';
import { splitDocuments } from '../../../src/manifests/documents';
import { corpus, manifestFiles, ROOT } from './corpusLib';
import { mutate, pick, rng } from './fuzzLib';

type AnyNode = Record<string, unknown>;

/** The first difference between two yaml trees, or undefined. */
function difference(a: unknown, b: unknown, at: string): string | undefined {
  if (Y.isScalar(a) && Y.isScalar(b)) {
    if (!(a instanceof Y.Scalar)) return `${at}: not a Scalar instance`;
    if (!Object.is(a.value, b.value)) return `${at}: value ${String(a.value)} vs ${String(b.value)}`;
    for (const k of ['type', 'format', 'minFractionDigits', 'source'])
      if ((a as unknown as AnyNode)[k] !== (b as unknown as AnyNode)[k])
        return `${at}: ${k} ${String((a as unknown as AnyNode)[k])} vs ${String((b as unknown as AnyNode)[k])}`;
    if (String(a.range) !== String(b.range)) return `${at}: range ${String(a.range)} vs ${String(b.range)}`;
    return undefined;
  }
  if ((Y.isMap(a) && Y.isMap(b)) || (Y.isSeq(a) && Y.isSeq(b))) {
    const x = a;
    const y = b;
    if (Y.isMap(a) ? !(a instanceof Y.YAMLMap) : !(a instanceof Y.YAMLSeq)) return `${at}: wrong class`;
    if (x.schema !== undefined && !(x.schema instanceof Object)) return `${at}: no schema`;
    if (!!x.flow !== !!y.flow) return `${at}: flow ${String(x.flow)} vs ${String(y.flow)}`;
    if (String(x.range) !== String(y.range)) return `${at}: range ${String(x.range)} vs ${String(y.range)}`;
    if (x.items.length !== y.items.length) return `${at}: ${x.items.length} vs ${y.items.length} items`;
    for (let i = 0; i < x.items.length; i++) {
      const p = x.items[i];
      const q = y.items[i];
      if (Y.isPair(p) && Y.isPair(q)) {
        if (!(p instanceof Y.Pair)) return `${at}[${i}]: not a Pair instance`;
        const d =
          difference(p.key, q.key, `${at}.<key ${i}>`) ??
          difference(p.value, q.value, `${at}.${String((p.key as Y.Scalar | null)?.value)}`);
        if (d) return d;
      } else if (Y.isPair(p) !== Y.isPair(q)) return `${at}[${i}]: pair vs node`;
      else {
        const d = difference(p, q, `${at}[${i}]`);
        if (d) return d;
      }
    }
    return undefined;
  }
  if (a === null && b === null) return undefined;
  return `${at}: ${String((a as object | null)?.constructor?.name)} vs ${String((b as object | null)?.constructor?.name)}`;
}

/** undefined: the fast path declined; '': same as yaml; else what differs. */
function compare(text: string): string | undefined {
  const fast = fastParse(text, YAML_OPTIONS);
  if (!fast) return undefined;
  const ref = Y.parseDocument(text, YAML_OPTIONS);
  const problem = ref.errors[0] ?? ref.warnings[0];
  if (problem) return `accepted what yaml reports: ${problem.code} ${problem.message.split('\n')[0]}`;
  if (String(fast.range) !== String(ref.range))
    return `document range ${String(fast.range)} vs ${String(ref.range)}`;
  return difference(fast.contents, ref.contents, '') ?? '';
}

function corpusDocs(): string[] {
  const { dir } = corpus();
  const files = manifestFiles(dir).map((f) => path.join(dir, f));
  const fixtures = path.join(ROOT, 'test', 'fixtures');
  for (const e of fs.readdirSync(fixtures, { recursive: true, withFileTypes: true }))
    if (e.isFile() && /\.ya?ml$/.test(e.name)) files.push(path.join(e.parentPath, e.name));
  return files.flatMap((f) => splitDocuments(fs.readFileSync(f, 'utf8')).map((s) => s.text));
}

/** Cases near each rule of the fast path; `fast` says whether it must take them itself. */
const CASES: { text: string; fast: boolean }[] = [
  { text: 'a: 1\n', fast: true },
  { text: 'a: 1', fast: true },
  { text: '---\n# c\napiVersion: v1 # t\nkind: Pod\n', fast: true },
  { text: '\n\n  a: 1\n  b:\n    c: x\n', fast: true },
  { text: 'a:\n  b: 1\n\n', fast: true },
  { text: 'a:\n  b: 1\n  # c\nd: 2\n', fast: true },
  { text: 'a:\n  b: 1\n    # c\n\n    # d\nd: 2', fast: true },
  { text: 'a:\n  b: 1\n# c\nd: 2\n', fast: true },
  { text: 'a:\n# c\nb: 1', fast: true },
  { text: 'a:\n  # c\n\nb: 1', fast: true },
  { text: 'a:\n\n# c\nb: 1', fast: true },
  { text: 'a:   \nb: 1\n', fast: true },
  { text: 'a: # c\nb: 1\n', fast: true },
  { text: 'x:\n  a:\n  # c\n\ny: 1\n', fast: true },
  { text: 'x:\n  a:\n', fast: true },
  { text: 'k:\n- a\n  # c\n- b\n  # d\nz: 1\n', fast: true },
  { text: 'k:\n  - a\n  # c\n\n', fast: true },
  { text: '- a: 1\n  # c\n- b', fast: true },
  { text: '- name: a\n  ports:\n  - 80\n  -   443\n-   name: b\n    x: y\n', fast: true },
  { text: 'v: |\n  x\n\n  y\n\n\nb: 1\n', fast: true },
  { text: 'v: |-\n  x\n\n\nb: 1', fast: true },
  { text: 'v: |+\n  x\n\n\nb: 1', fast: true },
  { text: 'v: |+\n  x\n\n', fast: true },
  { text: 'v: |\n  x', fast: true },
  { text: 'v: >\n  x\n  y\n\n  z\nb: 1', fast: true },
  { text: 'v: >-\n  one\n  two\n', fast: true },
  { text: 'a:\n  v: |\n    x\n\n# c\nb: 1\n', fast: true },
  { text: '- |\n  x\n\n- b', fast: true },
  { text: 'v: | # c\n  x\n', fast: true },
  { text: 'v: |\n\n  x\nw: >\n\n\n  y\n', fast: true },
  { text: 'q: "a \\"b\\" \\u00e9\\t\\x41 \\\\"\ns: \'it\'\'s\'\n"k y": 1\n\'k2\': 2\n', fast: true },
  { text: 'n: [1, "two", three , \'4\']\ne: []\nm: {}\nf: { }\n', fast: true },
  { text: 'a: [x]  # c\n  # more\nb: 1\n', fast: true },
  {
    text: 'i: 12\nj: -3\no: 0o17\nh: 0x1F\nf: 1.50\ng: .5\nx: 1e3\ny: .inf\nz: -.Inf\nw: .nan\nb: true\nB: FALSE\nn: ~\nN: Null\nt: e1000\nv: 1.2.3\n',
    fast: true,
  },
  { text: '80: http\ntrue: yes\nnull: x\n', fast: true },
  { text: 'url: http://x:80/a#b\nc: a#b\nd: "x"\n', fast: true },
  { text: 'key : value\n', fast: true },
  // Left to yaml.
  { text: 'a: &x 1\nb: *x\n', fast: false },
  { text: 'a: !!str 1\n', fast: false },
  { text: 'a: b\n  c\n', fast: false },
  { text: 'a: "b\n  c"\n', fast: false },
  { text: 'a: {b: 1}\n', fast: false },
  { text: 'a:\n\tb: 1\n', fast: false },
  { text: 'a: 1\r\nb: 2\r\n', fast: false },
  { text: 'a: 1\na: 2\n', fast: false },
  { text: '<<: {a: 1}\n', fast: false },
  { text: 'a: 1\n- b\n', fast: false },
  { text: 'a: b: c\n', fast: false },
  { text: '- - a\n', fast: false },
  { text: 'a:\n  - b\n c: 1\n', fast: false },
  { text: 'just a scalar\n', fast: false },
  { text: '# only a comment\n', fast: false },
  { text: '%YAML 1.2\n---\na: 1\n', fast: false },
  { text: 'a: |2\n   x\n', fast: false },
  { text: 'a: |\n    x\n  y: 1\n', fast: false },
  { text: 'a: "x"y\n', fast: false },
  { text: 'a: [1, 2,]\n', fast: false },
  { text: 'a: @x\n', fast: false },
  { text: '? a\n: b\n', fast: false },
  { text: 'a:\n  b: 1\n   c: 2\n', fast: false },
  { text: '\ufeffa: 1\n', fast: false },
];

describe('the fast YAML path', function () {
  this.timeout(120_000);

  it('builds the tree yaml builds, for every corpus document it takes, and takes 90% of the valid ones', () => {
    let valid = 0;
    let fast = 0;
    const wrong: string[] = [];
    for (const text of corpusDocs()) {
      const ok = Y.parseDocument(text, YAML_OPTIONS).errors.length === 0;
      const d = compare(text);
      if (d === undefined) continue;
      if (d) wrong.push(`${d}\n${text.slice(0, 300)}`);
      fast++;
      if (ok) valid++;
    }
    const all = corpusDocs().filter((t) => Y.parseDocument(t, YAML_OPTIONS).errors.length === 0).length;
    assert.deepStrictEqual(wrong.slice(0, 3), []);
    assert.ok(valid >= 0.9 * all, `fast path took ${valid} of ${all} valid documents`);
    console.log(`    fast path: ${fast} of ${all} valid corpus documents`);
  });

  it('decides the edge cases as meant, and agrees with yaml on those it takes', () => {
    for (const { text, fast } of CASES) {
      const d = compare(text);
      assert.strictEqual(d === undefined ? 'declined' : d || 'same', fast ? 'same' : 'declined', text);
    }
  });

  it('agrees with yaml on 20,000 mutated corpus documents (whatever it takes, yaml takes the same way)', () => {
    const texts = corpusDocs().filter((t) => t.length < 20_000);
    const r = rng(20261203);
    let taken = 0;
    for (let i = 0; i < 20_000; i++) {
      const text = mutate(pick(texts, r), r);
      const d = compare(text);
      if (d) assert.fail(`case ${i}: ${d}\n--- text ---\n${text.slice(0, 1500)}`);
      if (d === '') taken++;
    }
    assert.ok(taken > 2000, `only ${taken} mutated documents took the fast path`);
    console.log(`    ${taken} of 20,000 mutated documents took the fast path, all as yaml`);
  });

  it("gives documents that behave as yaml's (toJS, get, isMap, instanceof)", () => {
    const text = 'a:\n  b: [1, x]\n  c: |\n    hi\n';
    const fast = fastParse(text, YAML_OPTIONS)!;
    assert.ok(fast, 'taken');
    assert.deepStrictEqual(fast.toJS(), Y.parseDocument(text, YAML_OPTIONS).toJS());
    assert.ok(Y.isDocument(fast) && Y.isMap(fast.contents) && fast.contents instanceof Y.YAMLMap);
    assert.strictEqual(fast.getIn(['a', 'c']), 'hi\n');
    assert.strictEqual(fast.toString(), Y.parseDocument(text, YAML_OPTIONS).toString());
  });
});
