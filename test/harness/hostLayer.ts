/**
 * The in-host layer of `npm test`: mocha suites inside code-server's Node extension host.
 *
 * runHostLayer() (called in-process by scripts/test-all.mjs) installs code-server when needed,
 * then runs, each in its own bounded child process (this file with `--session`), one session
 * per suite file:
 *  - every out/test/host/*.test.js, with Podvisor in development mode from the repo and a temp
 *    copy of samples/ as the workspace;
 *  - out/test/host/vsix/*.test.js against the packaged .vsix installed with
 *    `--install-extension` into a fresh extensions dir; the development path is then a tiny
 *    stand-in extension, so the Podvisor that runs is the installed copy, not the source tree.
 *
 * A session: code-server with `--vscode-option enable-smoke-test-driver`, Chromium opens the
 * workbench URL whose payload names extensionDevelopmentPath/extensionTestsPath as
 * vscode-remote URIs; the host calls test/host/index.ts run(), and the workbench reports the
 * outcome through window.codeAutomationExit(code). Counts come back through
 * $EXT_TEST_RESULT_FILE. A hung session is killed by its timeout and counted as failed.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as util from 'util';
import { codeServerDir, ensureCodeServer, installVsix } from './codeServer';
import { openWorkbench, screenshot, snapshotExtension, whyNoChromium, type Workbench } from './workbench';

export interface LayerResult {
  label: string;
  passed: number;
  failed: number;
  skipped: number;
  failedTitles: string[];
}

type RunBounded = (
  cmd: string,
  argv: string[],
  o: { timeoutS: number; env: Record<string, string> },
) => Promise<{ code: number | null; signal: string | null; timedOut: boolean }>;

interface SessionConfig {
  root: string;
  label: string;
  testsPath: string;
  /** Substring filter for the suite files inside the tests dir (one file per session). */
  files?: string;
  vsix?: string;
  resultFile: string;
  timeoutS: number;
}

const loud = (log: (s: string) => void, s: string): void => log(`\n  !!! SKIPPED: ${s}\n`);

export async function runHostLayer(o: {
  root: string;
  env: Record<string, string>;
  log: (s: string) => void;
  timeoutS: number;
  runBounded: RunBounded;
}): Promise<LayerResult[]> {
  const { root, log } = o;
  // PODVISOR_HOST_TIMEOUT_S: per-session limit override (to try the hang path quickly).
  const timeoutS = Number(process.env.PODVISOR_HOST_TIMEOUT_S) || o.timeoutS;
  // Suites are listed from the sources (stable), not from out/ (rebuilt under our feet in a
  // shared checkout); a suite whose bundle is missing then fails instead of vanishing.
  const hostDir = path.join(root, 'test', 'host');
  const fileFilter = o.env.PODVISOR_TEST_FILE ?? process.env.PODVISOR_TEST_FILE;
  const pick = (dir: string): string[] =>
    fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((f) => f.endsWith('.test.ts'))
          .map((f) => f.replace(/\.ts$/, '.js'))
          .sort()
      : [];
  const rel = (dir: string, f: string): string => path.relative(path.join(root, 'test'), path.join(dir, f));
  const suites = pick(hostDir).filter((f) => !fileFilter || rel(hostDir, f).includes(fileFilter));
  const vsixDir = path.join(hostDir, 'vsix');
  const vsixSuites = pick(vsixDir).filter((f) => !fileFilter || rel(vsixDir, f).includes(fileFilter));
  const total = suites.length + vsixSuites.length;
  if (!total) {
    log(`[host] no in-host suites${fileFilter ? ` matching "${fileFilter}"` : ''}`);
    return [];
  }
  const skipAll = (why: string): LayerResult[] => {
    loud(log, `in-host suites (${total} files) need ${why}`);
    return [{ label: 'host (all suites)', passed: 0, failed: 0, skipped: total, failedTitles: [] }];
  };
  const noChromium = whyNoChromium();
  if (noChromium) return skipAll(noChromium);
  try {
    const t0 = Date.now();
    const { installSeconds } = await ensureCodeServer(root, log);
    log(
      `[host] code-server ready (${installSeconds ? `installed in ${installSeconds.toFixed(0)} s` : `already installed, checked in ${Date.now() - t0} ms`})`,
    );
  } catch (e) {
    return skipAll(`code-server, which could not be installed: ${(e as Error).message}`);
  }

  // Everything the sessions load (the extension, the suites, this runner) from one private
  // snapshot of the build: in a shared checkout a colleague's build deletes out/ and dist/.
  const snap = await snapshotExtension(
    fs.mkdtempSync(path.join(os.tmpdir(), 'podvisor-hostlayer-')),
    ['out/test/host', 'out/test/harness'],
    root,
  );
  const runner = path.join(snap, 'out', 'test', 'harness', 'hostLayer.js');
  const corpus = path.resolve(root, '..', 'shared', 'corpus');
  // Suites find fixtures relative to their bundle (the snapshot); name the shared corpus explicitly.
  const env = {
    ...o.env,
    PODVISOR_CODE_SERVER_DIR: codeServerDir(root),
    PODVISOR_RESULTS_DIR: path.join(root, 'test-results'),
    ...(!o.env.PODVISOR_CORPUS && !process.env.PODVISOR_CORPUS && fs.existsSync(corpus)
      ? { PODVISOR_CORPUS: corpus }
      : {}),
  };
  const snapHost = path.join(snap, 'out', 'test', 'host');
  const results: LayerResult[] = [];
  const session = async (cfg: Omit<SessionConfig, 'root' | 'resultFile' | 'timeoutS'>): Promise<void> => {
    const resultFile = path.join(
      os.tmpdir(),
      `podvisor-host-${process.pid}-${Math.random().toString(36).slice(2)}.json`,
    );
    const full: SessionConfig = { ...cfg, root: snap, resultFile, timeoutS };
    const t0 = Date.now();
    log(`[host] ${cfg.label}`);
    const r = await o.runBounded(process.execPath, [runner, '--session', JSON.stringify(full)], {
      timeoutS,
      env,
    });
    let res: LayerResult | undefined;
    try {
      res = {
        label: cfg.label,
        ...(JSON.parse(fs.readFileSync(resultFile, 'utf8')) as Omit<LayerResult, 'label'>),
      };
    } catch {
      res = undefined;
    }
    fs.rmSync(resultFile, { force: true });
    if (!res || r.timedOut) {
      res = {
        label: cfg.label,
        passed: res?.passed ?? 0,
        failed: (res?.failed ?? 0) + 1,
        skipped: res?.skipped ?? 0,
        failedTitles: [
          ...(res?.failedTitles ?? []),
          r.timedOut
            ? `session timed out after ${timeoutS}s`
            : `session crashed (exit ${r.code ?? r.signal})`,
        ],
      };
    } else if (r.code !== 0 && res.failed === 0) {
      res.failed = 1;
      res.failedTitles.push(`session exited with ${r.code ?? r.signal} although no test failed`);
    }
    log(
      `[host] ${cfg.label}: ${res.passed} passed, ${res.failed} failed, ${res.skipped} skipped in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    results.push(res);
  };

  for (const f of suites)
    await session({ label: rel(hostDir, f), testsPath: path.join(snapHost, 'index.js'), files: f });

  if (vsixSuites.length) {
    const t0 = Date.now();
    const pkg = spawnSync(
      process.execPath,
      [path.join(root, 'scripts', 'package.mjs'), '--quiet', '--out', path.join(snap, 'podvisor-test.vsix')],
      { cwd: root, encoding: 'utf8', timeout: 300_000 },
    );
    const vsix = /^VSIX (.+)$/m.exec(pkg.stdout ?? '')?.[1];
    if (pkg.status !== 0 || !vsix) {
      log(`[host] npm run package failed:\n${pkg.stdout ?? ''}${pkg.stderr ?? ''}`);
      results.push({
        label: 'host/vsix (package)',
        passed: 0,
        failed: 1,
        skipped: vsixSuites.length,
        failedTitles: ['npm run package (vsce) failed'],
      });
    } else {
      log(
        `[host] packaged ${path.basename(vsix)} (${(fs.statSync(vsix).size / 1024).toFixed(0)} KiB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
      for (const f of vsixSuites)
        await session({
          label: rel(vsixDir, f),
          testsPath: path.join(snapHost, 'vsix', 'index.js'),
          files: f,
          vsix,
        });
    }
  }
  fs.rmSync(snap, { recursive: true, force: true });
  return results;
}

export interface InHostOptions {
  log: (s: string) => void;
  /** The checkout (or a snapshot of its build). */
  root: string;
  /** Run from a private snapshot of root's build (default true); false when root is one already. */
  snapshot?: boolean;
  /** extensionTestsPath: a module exporting run(), inside the checkout's build output. */
  testsPath: string;
  /** The .vsix to install; the development path is then a stand-in extension, not the repo. */
  vsix?: string;
  /** Folder to open (default a copy of samples/). */
  folder?: string;
  env?: Record<string, string>;
  /** Seconds to wait for the host to report. */
  deadlineS: number;
  /** Screenshot name prefix on failure/timeout (test-results/). */
  label: string;
  /** Print the extension host's console (mocha's reporter) — default true. */
  echo?: boolean;
}

/**
 * Starts code-server + Chromium, lets the extension host run `testsPath`, and returns the
 * exit code the workbench reports (codeAutomationExit), or 'timeout'. Stops everything.
 */
export async function runInHost(o: InHostOptions): Promise<number | 'timeout'> {
  const { log } = o;
  let wb: Workbench | undefined;
  const stop = async (): Promise<void> => {
    const w = wb;
    wb = undefined;
    await w?.close();
  };
  const onSignal = (): void => void stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'podvisor-host-'));
    // For the .vsix: a stand-in extension under development (the payload needs one for
    // extensionTestsPath to run) that is not Podvisor's source tree, so the Podvisor that runs
    // is the installed copy.
    // The tests (and, in development mode, Podvisor itself) run from a private snapshot of the
    // build, so a colleague's rebuild of out/ and dist/ can't pull files away mid-session.
    const testsRel = path.relative(o.root, o.testsPath);
    const inRepo = !testsRel.startsWith('..');
    const snap =
      o.snapshot === false
        ? o.root
        : await snapshotExtension(
            path.join(stateDir, 'podvisor'),
            inRepo ? [path.dirname(testsRel)] : [],
            o.root,
          );
    const testsPath = inRepo ? path.join(snap, testsRel) : o.testsPath;
    const devPath = o.vsix ? path.join(stateDir, 'vsix-probe') : snap;
    const extensionsDir = path.join(stateDir, 'cs', 'ext');
    let resolveExit: (n: number) => void = () => undefined;
    const exited = new Promise<number>((r) => (resolveExit = r));
    wb = await openWorkbench({
      log,
      waitForRender: false,
      testsPath,
      stateDir,
      devPath,
      folder: o.folder,
      prepare: (dir, install) => {
        if (!o.vsix || !devPath) return;
        fs.mkdirSync(devPath, { recursive: true });
        fs.writeFileSync(
          path.join(devPath, 'package.json'),
          JSON.stringify({
            name: 'vsix-probe',
            publisher: 'podvisor-test',
            version: '0.0.0',
            engines: { vscode: '^1.90.0' },
            description:
              'Stand-in development extension so that tests run against the installed Podvisor package',
          }),
        );
        const ti = Date.now();
        installVsix(install, path.join(dir, 'cs'), o.vsix);
        log(`installed ${path.basename(o.vsix)} into ${extensionsDir} in ${Date.now() - ti} ms`);
      },
      env: {
        ...o.env,
        ...(o.vsix ? { PODVISOR_VSIX_FILE: o.vsix, PODVISOR_VSIX_EXTENSIONS_DIR: extensionsDir } : {}),
      },
      beforeNavigate: async (page, server) => {
        log(`code-server pid ${server.pid} on ${server.origin}`);
        await page.exposeFunction('codeAutomationExit', (n: unknown) => resolveExit(Number(n)));
        // With the smoke-test driver on, the workbench forwards its log (the extension host's
        // console, mocha's reporter included) to window.codeAutomationLog(type, args).
        await page.exposeFunction('codeAutomationLog', (type: string, a: unknown) => {
          if (o.echo === false && !process.env.VERBOSE) return;
          const text = util.format(...(Array.isArray(a) ? (a as unknown[]) : [a]));
          if (
            process.env.VERBOSE ||
            !/^(info|trace|debug)$/.test(type) ||
            !/^(Resolv|Creating a socket|\[|Updating additional|Ignoring fetching|Started local extension host|Extension host)/.test(
              text,
            )
          )
            console.log(text);
        });
      },
    });
    const r = await Promise.race([
      exited,
      new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), o.deadlineS * 1000)),
    ]);
    if (r !== 0) {
      await screenshot(wb.page, `${o.label}-${r === 'timeout' ? 'timeout' : 'failure'}`).catch(
        () => undefined,
      );
      log(`code-server log tail:\n${wb.server.logTail(40)}`);
    }
    return r;
  } finally {
    await stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** One session in this (bounded) child process; writes the counts to cfg.resultFile. */
async function session(cfg: SessionConfig): Promise<number> {
  const t0 = Date.now();
  const log = (s: string): void => console.log(`[host ${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`);
  const hostResult = path.join(os.tmpdir(), `podvisor-ext-result-${process.pid}.json`);
  fs.rmSync(hostResult, { force: true });
  let code: number | 'timeout' = 1;
  let note: string | undefined;
  const deadlineS = Math.max(30, cfg.timeoutS - 20);
  try {
    code = await runInHost({
      log,
      root: cfg.root,
      label: cfg.label,
      testsPath: cfg.testsPath,
      vsix: cfg.vsix,
      deadlineS,
      snapshot: false, // cfg.root is already the layer's snapshot
      env: { EXT_TEST_RESULT_FILE: hostResult, PODVISOR_HOST_FILES: cfg.files ?? '' },
    });
    if (code === 'timeout') {
      note = `no result from the extension host after ${deadlineS}s`;
      log(`TIMEOUT: ${note}`);
    }
  } catch (e) {
    note = `harness error: ${(e as Error).message.split('\n')[0]}`;
    log(`ERROR ${(e as Error).stack ?? String(e)}`);
  }
  let res: Omit<LayerResult, 'label'>;
  try {
    res = JSON.parse(fs.readFileSync(hostResult, 'utf8')) as Omit<LayerResult, 'label'>;
  } catch {
    res = {
      passed: 0,
      failed: 1,
      skipped: 0,
      failedTitles: [
        note ?? `the extension host reported exit code ${code} without results (extension failed to load?)`,
      ],
    };
  }
  if (note && res.failed === 0) {
    res.failed = 1;
    res.failedTitles.push(note);
  }
  fs.rmSync(hostResult, { force: true });
  fs.writeFileSync(cfg.resultFile, JSON.stringify(res));
  log(`took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return res.failed > 0 ? 1 : 0;
}

if (require.main === module && process.argv[2] === '--session') {
  session(JSON.parse(process.argv[3]!) as SessionConfig).then(
    (c) => process.exit(c),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
