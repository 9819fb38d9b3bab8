/**
 * Entry point loaded by the extension host (extensionTestsPath): runs every `*.test.js` next to
 * this bundle with mocha (bdd). Runner-agnostic: code-server's Node extension host
 * (test/harness/hostLayer.ts) and @vscode/test-electron (scripts/test-electron.mjs) both call
 * `run()` and read the outcome from the returned promise; the counts also go, as JSON, to
 * $EXT_TEST_RESULT_FILE when set.
 *
 * Filters (set by the harness in the extension host's environment):
 *   PODVISOR_HOST_FILES — comma-separated file names (or substrings) to load; default all
 *   PODVISOR_TEST_GREP  — mocha --grep
 */
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export interface HostResult {
  passed: number;
  failed: number;
  skipped: number;
  failedTitles: string[];
}

export function runSuitesIn(dir: string): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, reporter: 'spec', timeout: 60_000, slow: 5_000 });
  if (process.env.PODVISOR_TEST_GREP) mocha.grep(process.env.PODVISOR_TEST_GREP);
  const only = (process.env.PODVISOR_HOST_FILES ?? '').split(',').filter(Boolean);
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.js') && (!only.length || only.some((o) => f.includes(o))))
    .sort();
  for (const f of files) mocha.addFile(path.join(dir, f));
  const resultFile = process.env.EXT_TEST_RESULT_FILE;
  const failedTitles: string[] = [];
  return new Promise((resolve, reject) => {
    const write = (r: HostResult): void => {
      if (resultFile) fs.writeFileSync(resultFile, JSON.stringify(r) + '\n');
    };
    if (!files.length) {
      // Nothing to run is a harness mistake, not a pass.
      write({
        passed: 0,
        failed: 1,
        skipped: 0,
        failedTitles: [`no *.test.js in ${dir} matching ${only.join(',') || '*'}`],
      });
      reject(new Error(`no host test files in ${dir}`));
      return;
    }
    let runner: Mocha.Runner;
    try {
      runner = mocha.run((failures) => {
        const s = runner.stats;
        const r = { passed: s?.passes ?? 0, failed: failures, skipped: s?.pending ?? 0, failedTitles };
        console.log(`[host] ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
        write(r);
        if (failures > 0) reject(new Error(`${failures} host test(s) failed`));
        else resolve();
      });
      runner.on('fail', (t) => failedTitles.push(t.fullTitle()));
    } catch (e) {
      write({
        passed: 0,
        failed: 1,
        skipped: 0,
        failedTitles: [`mocha could not load the suites: ${(e as Error).message}`],
      });
      reject(e);
    }
  });
}

export function run(): Promise<void> {
  return runSuitesIn(__dirname);
}
