#!/usr/bin/env node
// `npm run bench`: builds, starts the engines the way `npm test` does (private dockerd,
// QEMU/KVM probe …), runs every out/bench/*.bench.js with that environment, one at a time,
// each in its own process group with a time limit, prints their output, and stops everything
// it started by pid. Benchmarks print their own tables and ratios; this only says which ran.
//   node scripts/bench.mjs [SUBSTRING…]   only the benchmarks whose file name contains one
//   PODVISOR_BENCH_TIMEOUT_S=N            per-benchmark limit (default 1200)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const require = createRequire(import.meta.url);
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const timeoutS = Number(process.env.PODVISOR_BENCH_TIMEOUT_S ?? 1200);
const t0 = Date.now();
const log = (s) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`);

// `npm run bench` has just built; run directly, build here.
if (process.env.npm_lifecycle_event !== 'bench') {
  const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const dir = join(root, 'out', 'bench');
const benches = (existsSync(dir) ? readdirSync(dir) : [])
  .filter((f) => f.endsWith('.bench.js') && (!filters.length || filters.some((x) => f.includes(x))))
  .sort();
if (!benches.length) {
  log(`no benchmarks${filters.length ? ` matching ${filters.join(', ')}` : ''} in out/bench`);
  process.exit(1);
}

let engines;
let current;
async function stopAll() {
  if (current) {
    try {
      process.kill(-current.pid, 'SIGKILL');
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
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, async () => {
    log(`${sig}: stopping`);
    await stopAll();
    process.exit(130);
  });

function runOne(file) {
  return new Promise((resolve) => {
    // Own process group: a benchmark's leftovers (containers' helpers, QEMU, code-server) go with it.
    const child = spawn(process.execPath, [join(dir, file)], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
      env: { ...process.env, ...engines.env },
    });
    current = child;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      log(`TIMEOUT after ${timeoutS}s: ${file} — killing its process group`);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, timeoutS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* nothing left */
      }
      resolve({ code, signal, timedOut });
    });
  });
}

const rows = [];
try {
  const { startEngines } = require(join(root, 'out/test/harness/engines.js'));
  engines = await startEngines(join(root, '.cache', 'test'), log);
  for (const line of engines.report) log(`  ${line}`);
  for (const f of benches) {
    const bt = Date.now();
    log(`=== ${f} ===`);
    const r = await runOne(f);
    const s = ((Date.now() - bt) / 1000).toFixed(1);
    rows.push({
      f,
      status: r.timedOut
        ? `TIMED OUT after ${timeoutS} s`
        : r.code === 0
          ? `ok in ${s} s`
          : `FAILED (exit ${r.code ?? r.signal}) after ${s} s`,
    });
  }
} finally {
  await stopAll();
}
console.log('\n──── benchmarks ────');
for (const r of rows) console.log(`${r.f.padEnd(32)} ${r.status}`);
process.exitCode = rows.every((r) => r.status.startsWith('ok')) ? 0 : 1;
