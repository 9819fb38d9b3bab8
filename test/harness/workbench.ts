/**
 * The VS Code workbench in Debian's Chromium, driven by playwright-core: code-server with
 * Podvisor on a copy of samples/, plus helpers for UI tours (`runCommand`, `screenshot`,
 * `openPodvisorView`). A colleague's tour: `test/ui/<feature>.tour.test.ts` calls
 * `openWorkbench()` in `before`, `close()` in `after`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { BrowserContext, Page } from 'playwright-core';
import {
  ensureCodeServer,
  findRepoRoot,
  startCodeServer,
  stateEnv,
  type CodeServer,
  type CodeServerInstall,
} from './codeServer';
import { skipLoudly } from './skip';

const repoRoot = findRepoRoot();

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--disable-features=Translate,MediaRouter',
  '--lang=en-US',
];

export function chromiumPath(): string {
  return process.env.CHROMIUM ?? '/usr/bin/chromium';
}

/** Why a browser-driven test can't run here, or undefined when it can. */
export function whyNoChromium(): string | undefined {
  if (!fs.existsSync(chromiumPath()))
    return (
      process.env.PODVISOR_TEST_WHY_NO_CHROMIUM ??
      `Chromium is not installed (${chromiumPath()}; Debian package chromium)`
    );
  try {
    require.resolve('playwright-core');
  } catch {
    return 'the npm package playwright-core is not installed (npm install)';
  }
  return undefined;
}

/** test-results/ of the checkout ($PODVISOR_RESULTS_DIR when a host session runs from a snapshot). */
export const resultsDir = process.env.PODVISOR_RESULTS_DIR || path.join(repoRoot, 'test-results');

/** A temp copy of samples/ (tests may write to it) with workspace settings pointing Podvisor at the test engine. */
export function copySamples(dest: string, settings: Record<string, unknown> = testSettings()): string {
  fs.cpSync(path.join(repoRoot, 'samples'), dest, { recursive: true });
  fs.mkdirSync(path.join(dest, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(dest, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  return dest;
}

/** Settings that make Podvisor talk to the private test engine (when the harness gave one). */
export function testSettings(): Record<string, unknown> {
  const s: Record<string, unknown> = { 'podvisor.log.level': 'debug' };
  if (process.env.PODVISOR_TEST_DOCKER_HOST)
    s['podvisor.docker.host'] = process.env.PODVISOR_TEST_DOCKER_HOST;
  return s;
}

// Sources and test fixtures stay in (small; tests find fixtures relative to their bundle and
// source maps point at src/); only generated and heavy dirs are left out.
const SNAPSHOT_SKIP = new Set(['node_modules', '.git', '.cache', 'test-results', 'out', '.bench-results']);

/**
 * A private copy of the built extension (package.json, dist/, media/, schemas/ …) plus the
 * given build outputs (e.g. out/test/host), with node_modules linked. Several people build in
 * one checkout, and every build first deletes dist/ and out/: a session that ran straight
 * from the checkout would lose its files half-way. Retries while a build is in progress.
 */
export async function snapshotExtension(
  dest: string,
  extra: string[] = [],
  root = repoRoot,
): Promise<string> {
  const main = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string })
    .main;
  const needed = [main.endsWith('.js') ? main : `${main}.js`, ...extra];
  for (let attempt = 0; ; attempt++) {
    fs.rmSync(dest, { recursive: true, force: true });
    fs.mkdirSync(dest, { recursive: true });
    try {
      for (const name of fs.readdirSync(root)) {
        if (SNAPSHOT_SKIP.has(name) || name.endsWith('.vsix')) continue;
        fs.cpSync(path.join(root, name), path.join(dest, name), { recursive: true });
      }
      for (const e of extra) fs.cpSync(path.join(root, e), path.join(dest, e), { recursive: true });
      fs.symlinkSync(path.join(root, 'node_modules'), path.join(dest, 'node_modules'));
      const missing = needed.filter((n) => !fs.existsSync(path.join(dest, n)));
      if (!missing.length) return dest;
      throw new Error(`missing ${missing.join(', ')}`);
    } catch (e) {
      // ENOENT while a build deletes and rewrites dist/ or out/: wait for it to finish.
      if (attempt >= 30)
        throw new Error(
          `could not snapshot the built extension (run the build first): ${(e as Error).message}`,
          { cause: e },
        );
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

export async function launchChromium(
  userDataDir: string,
  viewport = { width: 1400, height: 900 },
): Promise<BrowserContext> {
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    viewport,
    // XDG_* keep Chromium's crash reports and config out of $HOME.
    env: { ...process.env, ...stateEnv(userDataDir) },
    args: CHROMIUM_FLAGS,
  });
}

export interface Workbench {
  readonly server: CodeServer;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly workspace: string;
  readonly stateDir: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  log?: (s: string) => void;
  /** Folder to open; default a fresh copy of samples/ with the test settings. */
  folder?: string;
  /** Extension under development; default a snapshot of the repo's build (Podvisor from dist/). */
  devPath?: string;
  testsPath?: string;
  env?: Record<string, string>;
  userSettings?: Record<string, unknown>;
  install?: CodeServerInstall;
  /** Called after the page exists and before it navigates (exposeFunction etc.). */
  beforeNavigate?: (page: Page, server: CodeServer) => Promise<void>;
  /** Wait for the workbench to render (default true). */
  waitForRender?: boolean;
  /** Where all state goes (removed on close); default a fresh temp dir. code-server's own is `<stateDir>/cs`. */
  stateDir?: string;
  /** Run before code-server starts: e.g. install a .vsix into `${stateDir}/cs/ext`. */
  prepare?: (stateDir: string, install: CodeServerInstall) => void | Promise<void>;
  /** The calling hook's context: when code-server can't be installed the suite is skipped loudly. */
  ctx?: Mocha.Context;
}

/** Starts code-server (with Podvisor in development mode) and opens its workbench in Chromium. */
export async function openWorkbench(o: OpenOptions = {}): Promise<Workbench> {
  const log = o.log ?? ((s: string) => console.log(s));
  let install = o.install;
  if (!install) {
    try {
      install = await ensureCodeServer(repoRoot, log);
    } catch (e) {
      // No code-server (no registry, no build tools): a tour can't run — skip it loudly, counted.
      if (!o.ctx) throw e;
      skipLoudly(o.ctx, `needs code-server, which could not be installed: ${(e as Error).message}`);
    }
  }
  const stateDir = o.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'podvisor-wb-'));
  fs.mkdirSync(stateDir, { recursive: true });
  const workspace = o.folder ?? copySamples(path.join(stateDir, 'samples'));
  await o.prepare?.(stateDir, install);
  const devPath = o.devPath ?? (await snapshotExtension(path.join(stateDir, 'podvisor')));
  const server = await startCodeServer({
    install,
    stateDir: path.join(stateDir, 'cs'),
    smokeTestDriver: true,
    log,
    env: o.env,
    userSettings: { ...testSettings(), ...o.userSettings },
  });
  let context: BrowserContext | undefined;
  const close = async (): Promise<void> => {
    try {
      await context?.close();
    } catch {
      /* browser already gone */
    }
    await server.stop();
    if (!process.env.PODVISOR_KEEP_STATE) fs.rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    context = await launchChromium(path.join(stateDir, 'chromium'));
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => log(`[pageerror] ${e.message}`));
    await o.beforeNavigate?.(page, server);
    const url = server.url({ folder: workspace, devPath, testsPath: o.testsPath });
    log(`[workbench] ${url}`);
    await page.goto(url, { timeout: 120_000 });
    if (o.waitForRender !== false) await waitForWorkbench(page);
    return { server, context, page, workspace, stateDir, close };
  } catch (e) {
    log(`[workbench] failed to open; code-server log tail:\n${server.logTail()}`);
    await close();
    throw e;
  }
}

/** Waits until the workbench (activity bar included) is rendered. */
export async function waitForWorkbench(page: Page, timeoutMs = 120_000): Promise<void> {
  await page.waitForSelector('.monaco-workbench .activitybar', { timeout: timeoutMs });
}

/** Clicks the Podvisor activity-bar icon (retrying while the workbench settles) until the Workloads view shows. */
export async function openPodvisorView(page: Page, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  const icon = page
    .locator(
      '.activitybar .action-item a[aria-label^="Podvisor"], .activitybar .action-label[aria-label^="Podvisor"]',
    )
    .first();
  // One view in the container: the title reads "Podvisor: Workloads"; several: "Podvisor" + pane headers.
  const view = page.locator('.part.sidebar .composite.title', { hasText: /Podvisor/i }).first();
  for (;;) {
    try {
      await icon.waitFor({ timeout: 15_000 });
      const checked = await icon.evaluate(
        (el) => el.closest('.action-item')?.classList.contains('checked') ?? false,
      );
      if (!checked) await icon.click();
      await view.waitFor({ timeout: 10_000 });
      return;
    } catch (e) {
      if (Date.now() > end) throw e;
    }
  }
}

/** Runs a command from the command palette by its title as shown there (e.g. "Podvisor: Refresh"). */
export async function runCommand(page: Page, title: string, timeoutMs = 30_000): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      await input.waitFor({ timeout: 5_000 });
      await input.fill(`>${title}`);
      // Click the entry whose label is exactly the title (Enter would run whichever ranks first).
      const exact = new RegExp(`^\\s*${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
      const row = page
        .locator('.quick-input-list .monaco-list-row')
        .filter({ has: page.locator('.label-name', { hasText: exact }) })
        .first();
      const anyRow = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      await anyRow.waitFor({ timeout: 5_000 });
      // A title given in part ("Launch Sandbox" for "Launch Sandbox…") falls back to the top entry.
      if (await row.count()) await row.click();
      else await page.keyboard.press('Enter');
      await input.waitFor({ state: 'hidden', timeout: 5_000 });
      return;
    } catch (e) {
      if (Date.now() > end)
        throw new Error(
          `could not run "${title}" from the command palette: ${(e as Error).message.split('\n')[0]}`,
          { cause: e },
        );
    }
  }
}

/** Saves a full-window screenshot as test-results/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * The usual hooks of a tour, registered in the calling describe(): open the workbench (skipped
 * loudly without Chromium or code-server), a screenshot of every failed test, close at the end.
 * Returns the open workbench's getter for the tests.
 */
export function useWorkbench(name: string, o: OpenOptions = {}): () => Workbench {
  let wb: Workbench | undefined;
  before(async function () {
    // The first run on a fresh machine installs code-server (one to two minutes).
    this.timeout(600_000);
    const why = whyNoChromium();
    if (why) skipLoudly(this, `the ${name} tour needs Chromium: ${why}`);
    wb = await openWorkbench({ ctx: this, log: (s) => console.log(`    ${s}`), ...o });
  });
  after(async () => {
    await wb?.close();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) {
      console.log(
        `    failure screenshot: ${await screenshot(wb.page, `${name}-failure-${this.currentTest.title}`)}`,
      );
    }
  });
  return () => {
    if (!wb) throw new Error('the workbench is not open');
    return wb;
  };
}
