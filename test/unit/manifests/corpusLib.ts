/** Shared by the corpus and fuzz tests: where the corpus is, its tags, and what each tag must produce. */
import * as fs from 'fs';
import * as path from 'path';
import { corpusDir } from '../../harness/env';

/** The repository root: the harness's `repoRoot` assumes a file depth that bundled tests in subfolders don't have. */
function findRoot(from: string): string {
  let d = from;
  while (!fs.existsSync(path.join(d, 'package.json')) || !fs.existsSync(path.join(d, 'schemas'))) {
    const up = path.dirname(d);
    if (up === d) throw new Error(`repository root not found above ${from}`);
    d = up;
  }
  return d;
}
export const ROOT = findRoot(__dirname);
export const SCHEMA_DIR = path.join(ROOT, 'schemas');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'manifests');

/** The shared corpus when present, else the copy of a handful of its files in test/fixtures. */
export function corpus(): { dir: string; full: boolean } {
  const shared = process.env.PODVISOR_CORPUS ?? path.resolve(ROOT, '..', 'shared', 'corpus');
  const d = corpusDir() ?? (fs.existsSync(path.join(shared, 'INDEX.tsv')) ? shared : undefined);
  return d ? { dir: d, full: true } : { dir: path.join(FIXTURES, 'corpus'), full: false };
}

function tsv(file: string): string[][] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => l.split('\t'));
}

/** Manifest files of the corpus (devcontainer files belong to the sandbox feature). */
/** Field `i` of a TSV row; a row without it is a broken fixture, named in the error. */
function field(row: readonly string[], i: number): string {
  const v = row[i];
  if (v === undefined) throw new Error(`TSV row has no column ${i + 1}: ${row.join('\t')}`);
  return v;
}

export function manifestFiles(dir: string): string[] {
  return tsv(path.join(dir, 'INDEX.tsv'))
    .map((r) => field(r, 0))
    .filter((f) => !f.startsWith('devcontainer'));
}

export function negativeTags(dir: string): Map<string, string[]> {
  return new Map(
    tsv(path.join(dir, 'NEGATIVE_TESTS.tsv'))
      .filter((r) => !field(r, 0).startsWith('devcontainer'))
      .map((r) => [field(r, 0), field(r, 2).split(',')]),
  );
}

export function expectations(): Map<string, { kind: string; reason: string }> {
  return new Map(
    tsv(path.join(FIXTURES, 'corpus-expectations.tsv')).map((r) => [
      field(r, 0),
      { kind: field(r, 1), reason: field(r, 2) },
    ]),
  );
}

/** Codes that count as "a diagnostic of the right kind" for each tag. */
export const TAG_CODES: Record<string, string[]> = {
  'removed-apiVersion-kubevirt-v1alpha': [
    'api.removed-version',
    'api.deprecated-version',
    'template.placeholders',
  ],
  'deprecated-spec.running': [
    'kubevirt.running-deprecated',
    'kubevirt.running-and-runStrategy',
    'api.removed-version',
    'template.placeholders',
  ],
  'invalid-running+runStrategy': ['kubevirt.running-and-runStrategy'],
  'historical-version': [
    'api.removed-version',
    'api.deprecated-version',
    'kubevirt.running-deprecated',
    'template.placeholders',
    'schema.unknown-key',
  ],
  'deprecated-kind-VMIPreset': ['api.deprecated-kind'],
  'yaml-parse-error': ['yaml.syntax', 'yaml.tab-indentation', 'template.placeholders'],
  'yaml-tab-indentation': ['yaml.tab-indentation'],
  'doc-elision': ['manifest.elided', 'yaml.syntax'],
  'envsubst-placeholders': ['template.placeholders'],
  'template-syntax': ['template.placeholders'],
  'fragment-missing-apiVersion': ['manifest.fragment', 'manifest.missing-apiVersion'],
  'fragment-missing-kind': ['manifest.fragment', 'manifest.missing-kind'],
  // Fixtures for KubeVirt's API round-trip tests: every field filled with a placeholder value.
  'fuzz-fixture': ['schema.enum', 'schema.type', 'image.invalid-reference', 'kubevirt.duplicate-boot-order'],
};
