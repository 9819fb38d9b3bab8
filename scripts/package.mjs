#!/usr/bin/env node
// `npm run package`: builds podvisor-<version>.vsix with @vscode/vsce from a production bundle.
// The build happens in a staging copy (.cache/package/stage) so that the repo's development
// dist/ (used by tests and `npm start`, maybe running right now) is never replaced by a
// production build half-way. Prints `VSIX <path>` last.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const quiet = args.includes('--quiet');
const t0 = Date.now();
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// Own staging dir per run (two people may package at once in a shared checkout);
// --stage DIR keeps it afterwards (the activation bench reads the production dist/ there).
const keepStage = args.includes('--stage');
const stage = keepStage
  ? args[args.indexOf('--stage') + 1]
  : join(root, '.cache', 'package', `stage-${process.pid}`);
const out = args.includes('--out')
  ? args[args.indexOf('--out') + 1]
  : join(root, `${pkg.name}-${pkg.version}.vsix`);

// Everything but generated and heavy dirs: whatever package.json refers to is then present;
// .vscodeignore decides what goes into the package.
const SKIP = new Set([
  '.git',
  'node_modules',
  '.cache',
  'out',
  'dist',
  'test-results',
  '.bench-results',
  'test',
  'bench',
]);
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
for (const name of readdirSync(root)) {
  if (SKIP.has(name) || name.endsWith('.vsix')) continue;
  cpSync(join(root, name), join(stage, name), { recursive: true });
}
symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'));

const vsce = require.resolve('@vscode/vsce/vsce');
// vsce runs `vscode:prepublish` (the production esbuild build) inside the stage.
// --no-dependencies: everything is bundled; node_modules stays out.
const r = spawnSync(
  process.execPath,
  [
    vsce,
    'package',
    '--no-dependencies',
    '--no-update-package-json',
    '--out',
    out,
    '--baseContentUrl',
    'https://example.invalid/podvisor/blob/main',
    '--baseImagesUrl',
    'https://example.invalid/podvisor/raw/main',
  ],
  { cwd: stage, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } },
);
if (!quiet || r.status !== 0) process.stdout.write(r.stdout ?? '');
process.stderr.write(r.stderr ?? '');
const l = spawnSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: stage, encoding: 'utf8' });
if (!keepStage) rmSync(stage, { recursive: true, force: true });
if (r.status !== 0 || !existsSync(out)) {
  console.error(`vsce package failed (exit ${r.status ?? r.signal})`);
  process.exit(1);
}
const files = (l.stdout ?? '').split('\n').filter(Boolean);
console.log(
  `${files.length} files, ${(statSync(out).size / 1024).toFixed(0)} KiB, in ${((Date.now() - t0) / 1000).toFixed(1)} s${quiet ? '' : ':\n  ' + files.join('\n  ')}`,
);
console.log(`VSIX ${out}`);
