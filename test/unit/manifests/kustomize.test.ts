/**
 * Kustomize: kustomization.yaml checked (schema, paths), the files it lists checked as fragments
 * and patches of their target, inline patches in place — on a real tree (test/fixtures/kustomize).
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ManifestService } from '../../../src/manifests/service';
import { SchemaStore } from '../../../src/manifests/schemas';
import type { ManifestDiagnostic } from '../../../src/manifests/diagnostics';
import { FIXTURES, ROOT, SCHEMA_DIR } from './corpusLib';

const store = new SchemaStore(SCHEMA_DIR);
const TREE = path.join(path.dirname(FIXTURES), 'kustomize', 'app');

/** A fresh copy of the fixture tree (each test edits its own). */
function tree(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'podvisor-kust-'));
  fs.cpSync(TREE, d, { recursive: true });
  return d;
}

/** Every YAML file of a tree through one service, kustomizations first (as the CLI and editor do). */
function validateTree(dir: string): Map<string, (ManifestDiagnostic & { at: string })[]> {
  const svc = new ManifestService({ store });
  const files = (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((f) => path.join(dir, f))
    .filter((f) => /\.ya?ml$/.test(f));
  for (const f of files)
    if (path.basename(f) === 'kustomization.yaml') svc.kustomize.update(f, fs.readFileSync(f, 'utf8'));
  const out = new Map<string, (ManifestDiagnostic & { at: string })[]>();
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    out.set(
      path.relative(dir, f),
      svc.open(f, text).map((d) => ({ ...d, at: text.slice(d.start, d.end) })),
    );
  }
  return out;
}
const codes = (d: { code: string; at: string }[] | undefined) => (d ?? []).map((x) => [x.code, x.at]);
function edit(dir: string, file: string, from: string, to: string): void {
  const p = path.join(dir, file);
  const t = fs.readFileSync(p, 'utf8');
  assert.ok(t.includes(from), `${file} has no ${from}`);
  fs.writeFileSync(p, t.replace(from, to));
}

describe('kustomize', () => {
  it('a correct tree: no diagnostic, though the base names an image only the overlay sets', () => {
    const r = validateTree(TREE);
    assert.ok(r.size >= 8);
    for (const [f, d] of r) assert.deepStrictEqual(codes(d), [], f);
  });

  it('a missing path, a folder without a kustomization, a component listed as a resource', () => {
    const d = tree();
    edit(d, 'overlays/prod/kustomization.yaml', '- path: replicas.yaml', '- path: replica.yaml');
    edit(
      d,
      'base/kustomization.yaml',
      '- service.yaml',
      '- service.yaml\n- ../components/debug\n- ../nowhere',
    );
    fs.mkdirSync(path.join(d, 'empty'));
    edit(d, 'overlays/prod/kustomization.yaml', '- ../../base', '- ../../base\n- ../../empty');
    const r = validateTree(d);
    assert.deepStrictEqual(codes(r.get('overlays/prod/kustomization.yaml')), [
      ['kustomize.no-kustomization', '../../empty'],
      ['kustomize.missing-path', 'replica.yaml'],
    ]);
    assert.deepStrictEqual(codes(r.get('base/kustomization.yaml')), [
      ['kustomize.component-as-resource', '../components/debug'],
      ['kustomize.missing-path', '../nowhere'],
    ]);
  });

  it('the kustomization itself: schema with completion-grade typos and deprecated fields', () => {
    const d = tree();
    edit(
      d,
      'overlays/prod/kustomization.yaml',
      'namePrefix: prod-',
      'namePrefix: prod-\nnameSufix: -x\ncommonLabels:\n  team: a',
    );
    edit(d, 'overlays/prod/kustomization.yaml', '  count: 3', '  count: three');
    const r = codes(validateTree(d).get('overlays/prod/kustomization.yaml'));
    assert.deepStrictEqual(r, [
      ['schema.unknown-key', 'nameSufix'],
      ['schema.deprecated-field', 'commonLabels'],
      ['schema.type', 'three'],
    ]);
  });

  it('patches are checked as patches of their target: strategic merge, JSON 6902 file and inline', () => {
    const d = tree();
    edit(d, 'overlays/prod/replicas.yaml', 'replicas: 3', 'replicas: 3\n  replicaz: 4');
    edit(d, 'overlays/prod/ports.json6902.yaml', '/spec/ports/0/port', '/spec/portz/0/port');
    edit(d, 'overlays/prod/kustomization.yaml', 'memory: 256Mi', 'memory: 256 MB');
    edit(
      d,
      'overlays/prod/kustomization.yaml',
      '    - op: add',
      '    - op: upsert\n      path: /spec\n    - op: add',
    );
    const r = validateTree(d);
    assert.deepStrictEqual(codes(r.get('overlays/prod/replicas.yaml')), [['schema.unknown-key', 'replicaz']]);
    const j = r.get('overlays/prod/ports.json6902.yaml')!;
    assert.deepStrictEqual(codes(j), [['kustomize.json6902-path', '/spec/portz/0/port']]);
    assert.match(j[0]!.message, /Service: there is no `portz` in `\/spec`: did you mean `ports`\?/);
    const k = r.get('overlays/prod/kustomization.yaml')!;
    // Inline patch diagnostics land exactly on the text inside the block scalar.
    assert.deepStrictEqual(codes(k), [
      ['kustomize.json6902-op', 'upsert'],
      ['schema.quantity', '256 MB'],
    ]);
  });

  it('the CLI takes the tree as a directory, the same way', () => {
    const d = tree();
    edit(d, 'overlays/prod/replicas.yaml', 'replicas: 3', 'replicas: 3\n  replicaz: 4');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli', 'podvisor-validate.js'), d], {
      encoding: 'utf8',
    });
    assert.strictEqual(r.status, 1, r.stderr);
    assert.deepStrictEqual(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.replace(d + '/', '')),
      [
        'overlays/prod/replicas.yaml:7:3 error schema.unknown-key Unknown key `replicaz` in `spec`: did you mean `replicas`?',
      ],
    );
  });
});
