/** podvisor-validate as a real process (the built dist/cli/podvisor-validate.js): output format and exit codes. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { FIXTURES, ROOT } from '../manifests/corpusLib';

const CLI = path.join(ROOT, 'dist', 'cli', 'podvisor-validate.js');

function run(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    cwd: os.tmpdir(),
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('podvisor-validate CLI', function () {
  this.timeout(60_000);
  let tmp: string;
  before(() => {
    assert.ok(fs.existsSync(CLI), `${CLI} missing: run node esbuild.mjs`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podvisor-cli-'));
    fs.writeFileSync(
      path.join(tmp, 'good.yaml'),
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  runtimeClassName: gvisor\n  containers:\n  - name: c\n    image: busybox\n',
    );
    fs.mkdirSync(path.join(tmp, 'sub'));
    fs.writeFileSync(
      path.join(tmp, 'sub', 'bad.yml'),
      'apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: vm\nspec:\n  runStrategy: Sometimes\n  running: true\n  template: {}\n',
    );
    fs.writeFileSync(path.join(tmp, 'sub', 'notes.txt'), 'not yaml');
    fs.writeFileSync(
      path.join(tmp, 'warn.yaml'),
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  runtimeClassName: custom\n  containers:\n  - name: c\n    image: busybox\n',
    );
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('exits 0 on a valid file and prints nothing on stdout', () => {
    const r = run(path.join(tmp, 'good.yaml'));
    assert.strictEqual(r.code, 0, r.err);
    assert.strictEqual(r.out, '');
    assert.match(r.err, /1 file checked: 0 errors, 0 warnings/);
  });

  it('walks directories for *.yaml/*.yml, prints file:line:col severity code message, exits 1 on errors', () => {
    const r = run(tmp);
    assert.strictEqual(r.code, 1, r.err);
    const lines = r.out.trim().split('\n');
    const bad = path.join(tmp, 'sub', 'bad.yml');
    assert.ok(
      lines.includes(
        `${bad}:6:16 error schema.enum \`spec.runStrategy\` must be one of Always, RerunOnFailure, Manual, Halted, Once, WaitAsReceiver`,
      ),
      r.out,
    );
    assert.ok(
      lines.includes(
        `${bad}:7:3 error kubevirt.running-and-runStrategy \`spec.running\` and \`spec.runStrategy\` are mutually exclusive: remove \`spec.running\` (deprecated)`,
      ),
      r.out,
    );
    assert.ok(
      lines.some((l) => l.startsWith(`${path.join(tmp, 'warn.yaml')}:6:21 warning runtime.unknown-class `)),
      r.out,
    );
    assert.ok(!r.out.includes('notes.txt'));
    assert.match(r.err, /3 files checked: 2 errors, 1 warning\n/);
  });

  it('exits 0 when there are only warnings; --runtime-handler adds known handlers', () => {
    assert.strictEqual(run(path.join(tmp, 'warn.yaml')).code, 0);
    const r = run('--runtime-handler', 'custom', path.join(tmp, 'warn.yaml'));
    assert.strictEqual(r.out, '');
  });

  it('--format json gives positions, codes and counts', () => {
    const r = run('--format', 'json', path.join(tmp, 'sub'));
    assert.strictEqual(r.code, 1);
    const j = JSON.parse(r.out) as {
      files: number;
      errors: number;
      diagnostics: {
        file: string;
        line: number;
        column: number;
        endLine: number;
        endColumn: number;
        severity: string;
        code: string;
      }[];
    };
    assert.strictEqual(j.files, 1);
    assert.strictEqual(j.errors, 2);
    const e = j.diagnostics.find((d) => d.code === 'schema.enum')!;
    assert.deepStrictEqual([e.line, e.column, e.endLine, e.endColumn, e.severity], [6, 16, 6, 25, 'error']);
  });

  it('validates the corpus fixtures (a removed apiVersion is one error)', () => {
    const f = path.join(
      FIXTURES,
      'corpus',
      'kubevirt',
      'kubevirt__kubevirt__examples__vm-cirros.yaml__at-v0.26.0.yaml',
    );
    const r = run(f);
    assert.strictEqual(r.code, 1);
    assert.deepStrictEqual(
      r.out
        .trim()
        .split('\n')
        .map((l) => l.split(' ').slice(1, 3).join(' ')),
      ['error api.removed-version'],
    );
  });

  it('exits 2 on usage errors', () => {
    for (const args of [
      [],
      ['--bogus', 'x.yaml'],
      ['--format', 'xml', 'x.yaml'],
      ['--kubernetes-version', 'latest', 'x.yaml'],
      [path.join(tmp, 'missing.yaml')],
    ]) {
      const r = run(...args);
      assert.strictEqual(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, /podvisor-validate: /);
    }
    const h = run('--help');
    assert.strictEqual(h.code, 0);
    assert.match(h.out, /usage: podvisor-validate/);
  });

  it('accepts another Kubernetes version, falling back to the bundled schemas with a note', () => {
    const r = run('--kubernetes-version', '1.30', path.join(tmp, 'good.yaml'));
    assert.strictEqual(r.code, 0);
    assert.match(r.err, /Kubernetes 1\.30 schemas are not bundled; using 1\.31/);
    const newer = run(
      '--kubernetes-version',
      '1.40',
      '--kubevirt-version',
      '1.9',
      path.join(tmp, 'good.yaml'),
    );
    assert.strictEqual(newer.code, 0);
    assert.match(newer.err, /Kubernetes 1\.40 schemas are not bundled; using 1\.37/);
    assert.match(newer.err, /KubeVirt 1\.9 schemas are not bundled; using 1\.7/);
  });
});
