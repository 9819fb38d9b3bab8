/**
 * The test tree mirrors the source (CONTRIBUTING.md, "Where tests live"): whoever looks for the
 * tests of src/backends/docker/parse.ts finds test/unit/backends/docker/parse.test.ts. This is
 * the one test about the test tree itself, so it sits at the root of test/unit.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from '../harness/env';

/** Where a folder of unit tests points: test/unit/<rest> mirrors <root>/<rest>. */
const UNIT_ROOTS: ReadonlyArray<{ prefix: string; mirrors: string }> = [
  { prefix: 'harness/', mirrors: 'test/harness' }, // tests of the harness itself
  { prefix: 'syntaxes/', mirrors: 'syntaxes' }, // the TextMate grammars
  { prefix: '', mirrors: 'src' },
];
const SELF = 'layout.test.ts';

/** Everything under `dir`, as paths relative to it with forward slashes. */
function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

/** A name up to its first dot: `service.corpus.test.ts` → `service`, `a.injection.json` → `a`. */
const stem = (name: string): string => name.split('.', 1)[0] ?? name;

/** Why a unit test file (relative to test/unit) does not mirror anything, or undefined when it does. */
export function unitMismatch(root: string, rel: string): string | undefined {
  const where = UNIT_ROOTS.find((r) => rel.startsWith(r.prefix));
  if (!where) return 'no mirrored root';
  const inner = rel.slice(where.prefix.length);
  const dir = path.join(root, where.mirrors, path.dirname(inner));
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    return `${where.mirrors}/${path.dirname(inner)} is not a folder`;
  const base = path.basename(inner);
  // Helpers (corpusLib.ts) only need their folder to mirror one; tests need their subject too.
  if (!base.endsWith('.test.ts')) return undefined;
  const subject = stem(base);
  const there = fs.readdirSync(dir).some((e) => stem(e) === subject);
  return there ? undefined : `nothing named ${subject} in ${where.mirrors}/${path.dirname(inner)}`;
}

/** Integration tests are grouped by the engine they run against. */
function integrationFolders(root: string): string[] {
  const backends = fs
    .readdirSync(path.join(root, 'src', 'backends'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  return [...backends, 'sandbox', 'harness'];
}

describe('the test tree mirrors the source', () => {
  const unitDir = path.join(repoRoot, 'test', 'unit');

  it('every unit test names a src file or folder at the same path', () => {
    const files = walk(unitDir).filter((f) => f.endsWith('.ts') && f !== SELF);
    assert.ok(files.length > 20, `found only ${files.length} unit test files under ${unitDir}`);
    const bad = files.flatMap((f) => {
      const why = unitMismatch(repoRoot, f);
      return why ? [`test/unit/${f}: ${why}`] : [];
    });
    assert.deepStrictEqual(bad, []);
  });

  it('every integration test sits in the folder of its backend', () => {
    const allowed = new Set(integrationFolders(repoRoot));
    const files = walk(path.join(repoRoot, 'test', 'integration')).filter((f) => f.endsWith('.ts'));
    const bad = files.filter((f) => !allowed.has(f.split('/')[0] ?? '') || !f.includes('/'));
    assert.deepStrictEqual(
      bad.map((f) => `test/integration/${f}`),
      [],
      `folders allowed: ${[...allowed].join(', ')}`,
    );
  });

  it('the rule rejects a test without a subject and accepts aspects and folders', () => {
    assert.match(unitMismatch(repoRoot, 'backends/docker/nosuch.test.ts') ?? '', /nothing named nosuch/);
    assert.match(unitMismatch(repoRoot, 'docker/parse.test.ts') ?? '', /src\/docker is not a folder/);
    assert.strictEqual(unitMismatch(repoRoot, 'backends/docker/parse.test.ts'), undefined);
    assert.strictEqual(unitMismatch(repoRoot, 'manifests/service.corpus.test.ts'), undefined);
    assert.strictEqual(unitMismatch(repoRoot, 'manifests/rules.test.ts'), undefined); // a folder
    assert.strictEqual(unitMismatch(repoRoot, 'syntaxes/cloudinit-userdata.test.ts'), undefined);
  });
});
