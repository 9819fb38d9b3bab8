/**
 * Activation: what Podvisor costs an editor that opens it.
 *  1. Bundle size of the production build (the .vsix contents): dist/extension.js, loaded at
 *     activation, against the total including the lazily loaded bundles.
 *  2. The time `activate()` takes in the real extension host (code-server's Node host, the
 *     installed .vsix, a window where nothing activated it yet), against the same activation
 *     plus loading every lazy bundle — i.e. what activation would cost with everything eager.
 * Several fresh hosts, median reported; ratios, never pass/fail on absolute times.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ensureCodeServer, findRepoRoot } from '../test/harness/codeServer';
import { runInHost } from '../test/harness/hostLayer';
import { whyNoChromium } from '../test/harness/workbench';
import { median } from './lib/stats';

const repoRoot = findRepoRoot();
const RUNS = Number(process.env.PODVISOR_BENCH_ACTIVATION_RUNS ?? 5);
const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;

interface Probe {
  activateMs: number;
  lazy: Record<string, number>;
  reference?: { id: string; ms: number };
  node: string;
  vscode: string;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const log = (s: string): void => console.log(`[activation ${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`);
  // 1. the production package, built in a staging copy (scripts/package.mjs)
  const vsix = path.join(os.tmpdir(), `podvisor-bench-${process.pid}.vsix`);
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'podvisor-bench-stage-'));
  const pkg = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'scripts', 'package.mjs'), '--quiet', '--out', vsix, '--stage', stage],
    { encoding: 'utf8', timeout: 300_000 },
  );
  if (pkg.status !== 0) {
    fs.rmSync(stage, { recursive: true, force: true });
    throw new Error(`npm run package failed:\n${pkg.stdout}${pkg.stderr}`);
  }
  const dist = path.join(stage, 'dist');
  const size = (f: string): number => fs.statSync(path.join(dist, f)).size;
  const main = size('extension.js');
  const lazyFiles = fs.existsSync(path.join(dist, 'lazy'))
    ? fs
        .readdirSync(path.join(dist, 'lazy'))
        .filter((f) => f.endsWith('.js'))
        .sort()
    : [];
  const lazyTotal = lazyFiles.reduce((s, f) => s + size(path.join('lazy', f)), 0);
  console.log('\nBundle size (production build, as packaged):');
  console.log(`  dist/extension.js (loaded at activation)   ${kib(main).padStart(12)}`);
  for (const f of lazyFiles)
    console.log(`  dist/lazy/${f.padEnd(32)} ${kib(size(path.join('lazy', f))).padStart(12)}`);
  console.log(`  total with lazy bundles                   ${kib(main + lazyTotal).padStart(12)}`);
  console.log(
    `  loaded at activation / total              ${((main / (main + lazyTotal)) * 100).toFixed(1).padStart(11)}%`,
  );
  console.log(`  .vsix                                     ${kib(fs.statSync(vsix).size).padStart(12)}`);
  fs.rmSync(stage, { recursive: true, force: true });

  // 2. activation in the real host
  const why = whyNoChromium();
  if (why) {
    console.log(`\n!!! SKIPPED activation timing: needs Chromium to drive the workbench: ${why}`);
    fs.rmSync(vsix, { force: true });
    return;
  }
  await ensureCodeServer(repoRoot, log);
  // The probe, bundled into a private dir: a rebuild of out/ meanwhile can't pull it away.
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'podvisor-bench-empty-'));
  const probeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'podvisor-bench-probe-'));
  const probe = path.join(probeDir, 'activationProbe.js');
  const runs: Probe[] = [];
  try {
    const eb = spawnSync(
      path.join(repoRoot, 'node_modules', 'esbuild', 'bin', 'esbuild'),
      [
        path.join(repoRoot, 'bench', 'lib', 'activationProbe.ts'),
        '--bundle',
        '--platform=node',
        '--format=cjs',
        '--target=node20',
        '--external:vscode',
        `--outfile=${probe}`,
        '--log-level=warning',
      ],
      { encoding: 'utf8' },
    );
    if (eb.status !== 0) throw new Error(`bundling the activation probe failed: ${eb.stderr}`);
    await measureRuns(runs, vsix, probe, empty, log);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
    fs.rmSync(probeDir, { recursive: true, force: true });
    fs.rmSync(vsix, { force: true });
  }
  report(runs);
}

async function measureRuns(
  runs: Probe[],
  vsix: string,
  probe: string,
  empty: string,
  log: (s: string) => void,
): Promise<void> {
  for (let i = 0; i < RUNS; i++) {
    const resultFile = path.join(os.tmpdir(), `podvisor-bench-activation-${process.pid}-${i}.json`);
    // An empty folder: none of Podvisor's activation events fire before the probe activates it.
    const r = await runInHost({
      log,
      root: repoRoot,
      snapshot: false,
      label: 'bench-activation',
      testsPath: probe,
      vsix,
      folder: empty,
      deadlineS: 180,
      echo: false,
      env: { PODVISOR_BENCH_RESULT_FILE: resultFile },
    });
    const got = fs.existsSync(resultFile)
      ? (JSON.parse(fs.readFileSync(resultFile, 'utf8')) as Probe & { error?: string })
      : undefined;
    if (r !== 0 || !got || got.error)
      throw new Error(`activation probe run ${i + 1} failed (${r}): ${got?.error ?? 'no result'}`);
    runs.push(got);
    fs.rmSync(resultFile, { force: true });
    log(`run ${i + 1}/${RUNS}: activate ${runs.at(-1)!.activateMs.toFixed(1)} ms`);
  }
}

function report(runs: Probe[]): void {
  const act = runs.map((r) => r.activateMs);
  const eager = runs.map((r) => r.activateMs + Object.values(r.lazy).reduce((s, x) => s + x, 0));
  const names = Object.keys(runs[0]!.lazy);
  console.log(
    `\nActivation in code-server's Node extension host (${runs[0]!.node}, VS Code ${runs[0]!.vscode}), ${RUNS} fresh hosts, median [min–max]:`,
  );
  const row = (label: string, xs: number[]): void =>
    console.log(
      `  ${label.padEnd(44)} ${median(xs).toFixed(1).padStart(7)} ms  [${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}]`,
    );
  row('activate() as the host runs it (lazy)', act);
  for (const n of names)
    row(
      `  + first load of lazy/${n}`,
      runs.map((r) => r.lazy[n]!),
    );
  row('activation if everything were eager', eager);
  const refs = runs.map((r) => r.reference).filter((x): x is { id: string; ms: number } => !!x);
  if (refs.length)
    row(
      `reference: activate() of built-in ${refs[0]!.id}`,
      refs.map((r) => r.ms),
    );
  if (refs.length)
    console.log(
      `  ratio Podvisor / ${refs[0]!.id}`.padEnd(46) +
        ` ${(median(act) / median(refs.map((r) => r.ms))).toFixed(2).padStart(7)}`,
    );
  console.log(
    `  ratio lazy / eager                           ${(median(act) / median(eager)).toFixed(3).padStart(7)}  (${(median(eager) / median(act)).toFixed(1)}x less work at activation)`,
  );
  console.log(
    '  (eager = measured activation + measured first load of each lazy bundle in the same host; the lazy loads happen later, on first use)',
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
