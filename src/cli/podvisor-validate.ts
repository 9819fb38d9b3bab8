/**
 * podvisor-validate [--format text|json] [--kubernetes-version V] [--runtime-handler NAME]... FILES|DIRS
 *
 * The manifest engine for CI: prints `file:line:col severity code message` (or JSON), exits 1 when
 * any error was found, 0 otherwise, 2 on usage errors. Directories are walked for *.yaml / *.yml.
 * RuntimeClass objects in any of the given files count as "in the workspace".
 */
import * as fs from 'fs';
import * as path from 'path';
import { ManifestService } from '../manifests/service';
import { findSchemaDir } from '../manifests/schemas';
import { lineStarts, positionOf } from '../manifests/documents';
import { runtimeClassNamesIn } from '../manifests/rules/workspace';
import { isKustomizationPath, nodeFiles } from '../manifests/files';
import { chartRootOf, isTemplateOf } from '../manifests/helm/render';
import { validateChart } from '../manifests/helm/validate';
import { locateHelm } from '../manifests/helm/locate';
import { DEFAULT_RUNTIME_HANDLERS, type ManifestDiagnostic } from '../manifests/diagnostics';

const USAGE = `usage: podvisor-validate [--format text|json] [--kubernetes-version 1.35] [--kubevirt-version 1.7]
                         [--runtime-handler NAME]... [--helm PATH] [--values FILE]... FILE|DIR...
Validates Kubernetes, KubeVirt, RuntimeClass and Virtlet manifests, kustomizations (and the files they
list, as fragments and patches) and Helm charts (rendered with helm template; diagnostics on the
templates). Exit: 0 no errors, 1 errors, 2 usage.`;

class UsageError extends Error {}

interface Args {
  format: 'text' | 'json';
  k8s: string;
  kubevirt: string;
  helm?: string;
  values: string[];
  handlers: string[];
  paths: string[];
}

function parseArgs(argv: string[]): Args | 'help' {
  const a: Args = { format: 'text', k8s: '1.35', kubevirt: '1.7', values: [], handlers: [], paths: [] };
  const rest = argv.slice();
  for (let next = rest.shift(); next !== undefined; next = rest.shift()) {
    const arg = next;
    const value = (): string => {
      const eq = arg.indexOf('=');
      if (eq > 0) return arg.slice(eq + 1);
      const v = rest.shift();
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    const name = arg.split('=')[0];
    if (arg === '-h' || arg === '--help') return 'help';
    else if (name === '--format') {
      const f = value();
      if (f !== 'text' && f !== 'json') throw new UsageError(`--format must be text or json, not "${f}"`);
      a.format = f;
    } else if (name === '--kubernetes-version') {
      const v = value().replace(/^v/, '');
      if (!/^1\.\d{1,3}$/.test(v))
        throw new UsageError(`--kubernetes-version must look like 1.35, not "${v}"`);
      a.k8s = v;
    } else if (name === '--kubevirt-version') {
      const v = value().replace(/^v/, '');
      if (!/^1\.\d{1,3}$/.test(v)) throw new UsageError(`--kubevirt-version must look like 1.7, not "${v}"`);
      a.kubevirt = v;
    } else if (name === '--helm') a.helm = value();
    else if (name === '--values') a.values.push(path.resolve(value()));
    else if (name === '--runtime-handler') a.handlers.push(value());
    else if (arg === '--') a.paths.push(...rest.splice(0));
    else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`);
    else a.paths.push(arg);
  }
  if (!a.paths.length) throw new UsageError('no files or directories given');
  return a;
}

function collect(p: string, out: string[], explicit: boolean): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw new UsageError(`${p}: no such file or directory`);
  }
  if (st.isDirectory()) {
    for (const e of fs.readdirSync(p, { withFileTypes: true }).sort((x, y) => x.name.localeCompare(y.name))) {
      if (e.name === 'node_modules' || e.name === '.git') continue;
      const child = path.join(p, e.name);
      if (e.isDirectory()) collect(child, out, false);
      else if (/\.ya?ml$/i.test(e.name) || e.name === 'Kustomization') out.push(child);
    }
  } else if (explicit || /\.ya?ml$/i.test(p)) out.push(p);
}

async function main(argv: string[]): Promise<number> {
  let args: Args | 'help';
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`podvisor-validate: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (args === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const schemaDir = findSchemaDir(__dirname) ?? findSchemaDir(process.cwd());
  if (!schemaDir) {
    process.stderr.write(
      'podvisor-validate: bundled schemas not found (expected a schemas/ directory next to the package)\n',
    );
    return 2;
  }
  const files: string[] = [];
  try {
    for (const p of args.paths) collect(p, files, true);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`podvisor-validate: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const svc = new ManifestService({
    schemaDir,
    options: {
      kubernetesVersion: args.k8s,
      kubevirtVersion: args.kubevirt,
      knownRuntimeHandlers: [...DEFAULT_RUNTIME_HANDLERS, ...args.handlers],
    },
  });
  if (!svc.store.versions('kubevirt').includes(args.kubevirt)) {
    process.stderr.write(
      `podvisor-validate: KubeVirt ${args.kubevirt} schemas are not bundled; using ${svc.store.resolveVersion('kubevirt', args.kubevirt)}\n`,
    );
  }
  if (!svc.store.kubernetesVersions().includes(args.k8s)) {
    process.stderr.write(
      `podvisor-validate: Kubernetes ${args.k8s} schemas are not bundled; using ${svc.store.resolveVersion('kubernetes', args.k8s)}\n`,
    );
  }
  const texts = new Map<string, string>();
  const rendered = new Set<string>();
  for (const f of files) {
    let text: string;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch (e) {
      process.stderr.write(`podvisor-validate: ${f}: ${(e as Error).message}\n`);
      return 2;
    }
    texts.set(f, text);
  }
  // Kustomizations first: the files they list are fragments and patches, checked as such.
  for (const [f, text] of texts) if (isKustomizationPath(f)) svc.kustomize.update(path.resolve(f), text);
  // Keys are absolute paths: kustomizations resolve the paths they name from them.
  for (const [f, text] of texts) svc.open(path.resolve(f), text);
  // Helm charts: rendered and validated; their templates are not checked raw (they are not YAML yet).
  const charts = new Map<string, string[]>();
  for (const f of files) {
    const root = chartRootOf(nodeFiles, path.resolve(f));
    if (root) charts.set(root, [...(charts.get(root) ?? []), f]);
  }
  const chartDiags = new Map<string, ManifestDiagnostic[]>();
  const helm = charts.size ? locateHelm(args.helm) : undefined;
  if (charts.size && !helm)
    process.stderr.write(
      `podvisor-validate: helm not found (--helm, PATH, or node scripts/tools.mjs build helm): ${charts.size} chart(s) checked without rendering, checks limited\n`,
    );
  for (const root of helm ? charts.keys() : []) {
    const r = await validateChart({
      helm: helm!,
      chartDir: root,
      valuesFiles: args.values,
      store: svc.store,
      options: svc.options,
      files: nodeFiles,
    });
    for (const [file, d] of r.byFile) chartDiags.set(file, [...(chartDiags.get(file) ?? []), ...d]);
    for (const f of charts.get(root) ?? []) if (isTemplateOf(root, path.resolve(f))) rendered.add(f);
    for (const file of r.byFile.keys()) {
      if (files.some((f) => path.resolve(f) === file)) continue;
      const rel = path.relative(process.cwd(), file) || file;
      files.push(rel);
      texts.set(rel, nodeFiles.read(file) ?? '');
    }
  }
  // RuntimeClasses defined in any given file are the "workspace".
  const classes = files.flatMap((f) => runtimeClassNamesIn(svc.documents(path.resolve(f))));
  svc.facts = { runtimeClassNames: () => classes };
  let errors = 0;
  let warnings = 0;
  const json: object[] = [];
  const lines: string[] = [];
  for (const f of files) {
    const text = texts.get(f)!;
    const starts = lineStarts(text);
    const own = rendered.has(f) ? [] : svc.diagnostics(path.resolve(f));
    const diags = [...own, ...(chartDiags.get(path.resolve(f)) ?? [])].sort(
      (a: ManifestDiagnostic, b: ManifestDiagnostic) => a.start - b.start,
    );
    for (const d of diags) {
      if (d.severity === 'error') errors++;
      else if (d.severity === 'warning') warnings++;
      const s = positionOf(starts, d.start);
      const e = positionOf(starts, d.end);
      if (args.format === 'json')
        json.push({
          file: f,
          line: s.line + 1,
          column: s.character + 1,
          endLine: e.line + 1,
          endColumn: e.character + 1,
          severity: d.severity,
          code: d.code,
          message: d.message,
        });
      else lines.push(`${f}:${s.line + 1}:${s.character + 1} ${d.severity} ${d.code} ${d.message}`);
    }
  }
  if (args.format === 'json')
    process.stdout.write(
      JSON.stringify({ files: files.length, errors, warnings, diagnostics: json }, null, 2) + '\n',
    );
  else {
    if (lines.length) process.stdout.write(lines.join('\n') + '\n');
    process.stderr.write(
      `${files.length} file${files.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`,
    );
  }
  return errors ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`podvisor-validate: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
