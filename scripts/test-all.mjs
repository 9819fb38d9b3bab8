#!/usr/bin/env node
// `npm test`: every layer in order — unit, integration (real engines), in-host (mocha inside
// code-server's Node extension host), UI tour (Chromium) — and a last line `N passed, N failed`.
// Each test file runs in its own process with a per-suite timeout; a hung suite is killed and
// counted as failed. Missing system parts are installed (root on Debian) or their suites are
// skipped loudly and counted as skipped. Everything started here is stopped by pid on exit.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { ensureSystemPackages } from './lib/system.mjs';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : undefined;
const grep = args.includes('--grep') ? args[args.indexOf('--grep') + 1] : undefined;
// --file SUBSTRING: only the test files whose path contains it (for working on one suite)
const fileFilter = args.includes('--file') ? args[args.indexOf('--file') + 1] : undefined;
const want = (layer) => !only || only.includes(layer);
const t0 = Date.now();
const log = (s) => console.log(`[test ${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`);

const LAYERS = [
  { name: 'unit', dir: 'out/test/unit', timeoutS: 180 },
  { name: 'integration', dir: 'out/test/integration', timeoutS: 600 },
  { name: 'host', timeoutS: 600 },
  { name: 'ui', dir: 'out/test/ui', timeoutS: 600 },
];
const totals = { passed: 0, failed: 0, skipped: 0 };
const perLayer = [];
const children = new Set();
let engines;

function add(layer, r, label) {
  totals.passed += r.passed;
  totals.failed += r.failed;
  totals.skipped += r.skipped;
  const row =
    perLayer.find((x) => x.layer === layer) ??
    (perLayer.push({ layer, passed: 0, failed: 0, skipped: 0, failures: [] }), perLayer.at(-1));
  row.passed += r.passed;
  row.failed += r.failed;
  row.skipped += r.skipped;
  for (const t of r.failedTitles ?? []) row.failures.push(`${label}: ${t}`);
}

/** Runs a command in its own process group; kills the group at the deadline. */
function runBounded(cmd, argv, { timeoutS, env }) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
    });
    children.add(child);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      log(`TIMEOUT after ${timeoutS}s: ${argv.join(' ')} — killing its process group`);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, timeoutS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      // Reap anything the suite left in its group (a forgotten server, a QEMU).
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* none left */
      }
      resolve({ code, signal, timedOut });
    });
  });
}

function testFiles(dir) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.js') && (!fileFilter || f.includes(fileFilter)))
    .sort()
    .map((f) => join(dir, f));
}

async function runMochaFile(layer, file, timeoutS, env) {
  const resultFile = join(
    tmpdir(),
    `podvisor-result-${process.pid}-${Math.random().toString(36).slice(2)}.json`,
  );
  const mocha = require.resolve('mocha/bin/mocha.js');
  const argv = [
    mocha,
    '--reporter',
    join(root, 'scripts/lib/mocha-reporter.cjs'),
    '--timeout',
    '60000',
    '--exit',
    ...(grep ? ['--grep', grep] : []),
    file,
  ];
  const r = await runBounded(process.execPath, argv, {
    timeoutS,
    env: { ...env, PODVISOR_RESULT_FILE: resultFile },
  });
  let res;
  try {
    res = JSON.parse(readFileSync(resultFile, 'utf8'));
  } catch {
    res = undefined;
  }
  rmSync(resultFile, { force: true });
  if (!res || r.timedOut) {
    // Crashed or hung before mocha could report: the suite counts as one failure (plus what it passed).
    res = {
      passed: res?.passed ?? 0,
      failed: (res?.failed ?? 0) + 1,
      skipped: res?.skipped ?? 0,
      failedTitles: [
        r.timedOut ? `suite timed out after ${timeoutS}s` : `suite crashed (exit ${r.code ?? r.signal})`,
      ],
    };
  }
  add(layer, res, relative('out', file));
}

async function stopEverything() {
  for (const c of children) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  if (engines) {
    const e = engines;
    engines = undefined;
    await e.stop();
  }
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    log(`${sig}: stopping`);
    await stopEverything();
    process.exit(130);
  });
}

/** Runs a checker to completion; a non-zero exit is one failed test named `title`. */
function staticCheck(title, label, command, args) {
  log(label);
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  const ok = r.status === 0;
  add('unit', { passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0, failedTitles: ok ? [] : [title] }, label);
}

async function main() {
  // 0. system packages (apt as root on Debian) — only when a layer needs them
  let missing = [];
  if (want('integration') || want('host') || want('ui')) missing = ensureSystemPackages((s) => log(s));
  // The cluster's Go tools build in the background (the longest step on a fresh machine) while
  // the bundle, the type-check and the unit layer run; engines wait for it.
  const clusterBuild = want('integration') || want('host') || want('ui') ? buildClusterTools() : undefined;

  // 1. build + type-check (a failed type-check is a failed test of the unit layer)
  log('build');
  const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) {
    add('unit', { passed: 0, failed: 1, skipped: 0, failedTitles: ['esbuild build'] }, 'build');
    return;
  }
  // code-server first when a later layer needs it anyway: the unit layer's VS Code-grammar suite
  // reads its YAML grammar (where it is missing, those cases are skipped loudly, and counted).
  if (want('unit') && (want('host') || want('ui'))) {
    const { ensureCodeServer } = require(join(root, 'out/test/harness/codeServer.js'));
    try {
      await ensureCodeServer(root, log);
    } catch (e) {
      log(`code-server could not be installed (its suites skip loudly): ${String(e.message).split('\n')[0]}`);
    }
  }
  if (want('unit')) {
    // Static checks, each one test of the unit layer; their own output is printed as it comes.
    staticCheck('tsc --noEmit (strict)', 'typecheck', process.execPath, [
      require.resolve('typescript/bin/tsc'),
      '-p',
      '.',
    ]);
    staticCheck('eslint (npm run lint)', 'lint', 'npm', ['run', '-s', 'lint']);
    staticCheck('prettier --check (npm run format:check)', 'format', 'npm', ['run', '-s', 'format:check']);
  }

  if (clusterBuild) await clusterBuild;

  // 2. engines shared by the layers that need them
  const env = { PODVISOR_MISSING_PACKAGES: missing.join(',') };
  if (want('integration') || want('host') || want('ui')) {
    await composeV2();
    const { startEngines } = require(join(root, 'out/test/harness/engines.js'));
    engines = await startEngines(join(root, '.cache', 'test'), log);
    Object.assign(env, engines.env);
    for (const line of engines.report) log(`  ${line}`);
  }

  for (const layer of LAYERS) {
    if (!want(layer.name)) continue;
    const lt = Date.now();
    log(`=== layer: ${layer.name} ===`);
    if (layer.name === 'host') {
      const { runHostLayer } = require(join(root, 'out/test/harness/hostLayer.js'));
      // --file/--grep reach the host sessions (and the extension host's mocha) through the env.
      const hostEnv = {
        ...env,
        ...(fileFilter ? { PODVISOR_TEST_FILE: fileFilter } : {}),
        ...(grep ? { PODVISOR_TEST_GREP: grep } : {}),
      };
      const results = await runHostLayer({ root, env: hostEnv, log, timeoutS: layer.timeoutS, runBounded });
      for (const r of results) add('host', r, r.label);
    } else {
      for (const f of testFiles(layer.dir)) await runMochaFile(layer.name, f, layer.timeoutS, env);
    }
    log(`=== ${layer.name} done in ${((Date.now() - lt) / 1000).toFixed(1)} s ===`);
  }
}

/**
 * The Kubernetes control plane, kubelet and containerd for the cluster suites
 * (scripts/tools.mjs, cached per machine outside the clone). Measured cold on 2 cores:
 * kubernetes 457 s (kube-apiserver 308, kube-controller-manager 94, kubelet 25, kubectl 29),
 * etcd 83 s, containerd 309 s. A child process, so it runs beside the unit layer. With
 * PODVISOR_NO_CLUSTER=1 nothing is built and the cluster suites skip loudly.
 */
function buildClusterTools() {
  if (process.env.PODVISOR_NO_CLUSTER === '1') {
    process.env.PODVISOR_TEST_WHY_NO_CLUSTER = 'PODVISOR_NO_CLUSTER=1: the Kubernetes tools are not built';
    return Promise.resolve();
  }
  const t = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(root, 'scripts/tools.mjs'), 'build', 'kubernetes', 'etcd', 'containerd'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.add(child);
    let tail = '';
    const onData = (d) => {
      const text = d.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n'))
        if (line.trim()) log(line.startsWith('[tools]') ? line : `[tools] ${line}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      children.delete(child);
      if (code === 0) log(`[tools] cluster tools ready in ${((Date.now() - t) / 1000).toFixed(0)} s`);
      else
        process.env.PODVISOR_TEST_WHY_NO_CLUSTER = `building the Kubernetes tools failed (exit ${code}): ${tail.trim().split('\n').slice(-3).join(' | ')}`;
      resolve();
    });
  });
}

/**
 * `docker compose` v2 for the tests, built into the tools cache when missing. Measured cold (empty
 * module and build caches): 125 CPU-seconds, 366 MB of modules; 350 s wall on 2 busy cores. With
 * PODVISOR_NO_COMPOSE_V2=1 it is not built, and Compose is tested with Debian's docker-compose
 * 1.29 only (the v2 suites skip loudly).
 */
async function composeV2() {
  const { ensureTools, toolBin } = await import('./tools.mjs');
  let bin = toolBin('compose');
  if (!bin && process.env.PODVISOR_NO_COMPOSE_V2 !== '1') {
    try {
      const r = await ensureTools(['compose'], { log });
      bin = r.compose.bin('docker-compose');
      log(`[tools] compose ${r.compose.built ? `built in ${r.compose.seconds} s` : 'cached'}`);
    } catch (e) {
      process.env.PODVISOR_TEST_WHY_NO_COMPOSE_V2 = `building docker compose v2 failed: ${String(e.message).split('\n')[0]}`;
    }
  }
  if (bin) process.env.PODVISOR_COMPOSE_V2 = bin;
  else
    process.env.PODVISOR_TEST_WHY_NO_COMPOSE_V2 ??= 'PODVISOR_NO_COMPOSE_V2=1: docker compose v2 not built';
}

let crashed = false;
try {
  await main();
} catch (e) {
  crashed = true;
  log(`harness error: ${e.stack ?? e}`);
  totals.failed += 1;
} finally {
  await stopEverything();
}
console.log('\n──── summary ────');
for (const r of perLayer) {
  console.log(`${r.layer.padEnd(12)} ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  for (const f of r.failures) console.log(`   ✗ ${f}`);
}
if (totals.skipped)
  console.log(
    `NOTE: ${totals.skipped} tests skipped — see the !!! SKIPPED lines above for what was missing.`,
  );
console.log(
  `took ${((Date.now() - t0) / 1000).toFixed(0)} s, ${totals.skipped} skipped${crashed ? ' (harness error)' : ''}`,
);
// The last line, exactly `N passed, N failed` (CI reads it); skips are on the line above.
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exitCode = totals.failed > 0 ? 1 : 0;
