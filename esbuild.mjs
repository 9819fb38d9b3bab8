// Builds the extension bundle, its lazily loaded parts, the CLI, and every test and bench
// file. One esbuild call per group; `node esbuild.mjs --watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { readdirSync, existsSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const root = new URL('.', import.meta.url).pathname;

/** Files under `dir` (recursive) whose name matches `re`. */
function files(dir, re) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true })
    .map(String)
    .filter((f) => re.test(f) && !f.includes('node_modules'))
    .map((f) => join(dir, f));
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  // yaml's Node build reads process.env on every parser token (LOG_TOKENS; a getter into C++, ~12%
  // of validating a large file); its browser build is the same code without that.
  alias: { yaml: './node_modules/yaml/browser/index.js' },
  // Guest scripts (shell, Perl) live as real files and are bundled as text.
  loader: { '.sh': 'text', '.pl': 'text' },
  // ssh2's optional native helpers: absent is fine, ssh2 falls back to JS.
  external: ['vscode', 'cpu-features', './crypto/build/Release/sshcrypto.node'],
};

// The extension itself, and heavy parts it loads only when first needed (see src/common/lazy.ts).
const lazyEntries = {
  extension: 'src/extension.ts',
};
for (const [name, entry] of Object.entries({
  'lazy/docker': 'src/backends/docker/index.ts',
  'lazy/qemu': 'src/backends/qemu/index.ts',
  'lazy/libvirt': 'src/backends/libvirt/index.ts',
  'lazy/kube': 'src/backends/kube/index.ts',
  'lazy/manifests': 'src/manifests/index.ts',
  'lazy/sandbox': 'src/sandbox/index.ts',
})) {
  if (existsSync(join(root, entry))) lazyEntries[name] = entry;
}

const groups = [{ ...common, entryPoints: lazyEntries, outdir: 'dist' }];
if (existsSync(join(root, 'src/cli/podvisor-validate.ts'))) {
  groups.push({
    ...common,
    entryPoints: { 'podvisor-validate': 'src/cli/podvisor-validate.ts' },
    outdir: 'dist/cli',
    banner: { js: '#!/usr/bin/env node' },
  });
}
if (!production) {
  const tests = [...files('test', /\.ts$/), ...files('bench', /\.ts$/)];
  if (tests.length) {
    groups.push({
      ...common,
      entryPoints: tests,
      outdir: 'out',
      outbase: '.',
      external: [
        ...common.external,
        'mocha',
        'playwright-core',
        'yaml-language-server',
        'vscode-languageserver-textdocument',
      ],
    });
  }
}

if (!watch) {
  for (const dir of ['dist', production ? '' : 'out'].filter(Boolean))
    rmSync(join(root, dir), { recursive: true, force: true });
}
const t0 = Date.now();
if (watch) {
  for (const g of groups) (await esbuild.context(g)).watch();
  console.log('[esbuild] watching');
} else {
  await Promise.all(groups.map((g) => esbuild.build(g)));
  const n = groups.reduce((s, g) => s + Object.keys(g.entryPoints).length, 0);
  console.log(
    `[esbuild] ${n} entry points in ${Date.now() - t0} ms${production ? ' (production)' : ''} → ${relative(process.cwd(), join(root, 'dist'))}`,
  );
}
