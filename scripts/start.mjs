#!/usr/bin/env node
// `npm start`: builds, installs the pinned code-server into .cache/code-server when needed,
// prepares what the samples need offline (test/harness/samples.ts: a copy of samples/ outside the
// checkout, their images built from local files, a kernel/initramfs/disk for "New VM…", and a
// private Docker engine when none is reachable and this is root with dockerd installed), and
// serves a VS Code workbench on 127.0.0.1 (a free port; --port N to prefer one) with Podvisor
// loaded in development mode on that copy. Prints the URL; no browser is needed here (open it
// from your machine, e.g. through `ssh -L PORT:127.0.0.1:PORT`). Ctrl-C stops everything it
// started. State (settings, layout, VMs, the private engine) lives in .cache/start*, never in $HOME.
//   --port N     preferred port (another is used when N is taken)
//   --folder D   workspace to open instead of the samples copy (nothing is prepared)
//   --no-prepare skip the images, engine and VM files (the workspace copy is still made)
//   --check      open the workbench once in headless Chromium, check Podvisor is active,
//                save test-results/start.png, then stop (used to verify a machine)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const opt = (name) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const t0 = Date.now();
const log = (s) => console.log(`[start ${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`);

const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
if (b.status !== 0) process.exit(b.status ?? 1);

const { ensureCodeServer, startCodeServer } = require(join(root, 'out/test/harness/codeServer.js'));
const install = await ensureCodeServer(root, log);
// One state dir per running instance: a second `npm start` must not share the first one's user data.
let stateDir = join(root, '.cache', 'start');
const inUse = (dir) => {
  try {
    process.kill(Number(readFileSync(join(dir, 'start.pid'), 'utf8')), 0);
    return true;
  } catch {
    return false;
  }
};
if (inUse(stateDir)) stateDir = join(root, '.cache', `start-${process.pid}`);
mkdirSync(stateDir, { recursive: true });
writeFileSync(join(stateDir, 'start.pid'), String(process.pid));

let server;
let engine; // the private engine this run started, if any
let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  if (server) {
    log(`stopping code-server (process group ${server.pid})`);
    await server.stop();
  }
  if (engine) {
    log(`stopping the private Docker engine (pid ${engine.pid})`);
    const { stopPrivateDockerd } = require(join(root, 'out/test/harness/dockerd.js'));
    await stopPrivateDockerd(engine);
  }
  rmSync(join(stateDir, 'start.pid'), { force: true });
  if (stateDir.endsWith(`start-${process.pid}`)) rmSync(stateDir, { recursive: true, force: true });
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => void stop(sig === 'SIGINT' ? 130 : 143));

const { folder, userSettings } = await prepare();

server = await startCodeServer({
  install,
  stateDir,
  log,
  smokeTestDriver: true, // the URL payload (development mode) needs it
  port: Number(opt('port') ?? process.env.PORT ?? 8080),
  userSettings,
});
// extensionDevelopmentPath in the URL payload: Podvisor runs from this checkout's dist/
// (rebuild with `npm run build` or `npm run watch`, then "Developer: Reload Window").
const url = server.url({ folder, devPath: root });
log(`code-server pid ${server.pid}, log ${server.logFile}`);
console.log(`\n  Podvisor (development mode) on ${folder}:\n\n    ${url}\n\n  Ctrl-C stops it.\n`);

if (args.includes('--check')) {
  const { launchChromium, waitForWorkbench, openPodvisorView, runCommand, screenshot } = require(
    join(root, 'out/test/harness/workbench.js'),
  );
  let ok = false;
  const ctx = await launchChromium(join(stateDir, 'chromium-check'));
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto(url, { timeout: 120_000 });
    await waitForWorkbench(page);
    await openPodvisorView(page);
    await runCommand(page, 'Podvisor: Show Log');
    // The log says the extension activated: proof it runs, not only that its icon is contributed.
    await page
      .locator('.output-view, .panel', { hasText: 'activated in' })
      .first()
      .waitFor({ timeout: 60_000 });
    log(`screenshot ${await screenshot(page, 'start')}`);
    ok = true;
  } catch (e) {
    log(`check failed: ${e.message.split('\n')[0]}`);
  } finally {
    await ctx.close();
  }
  log(ok ? 'check passed: Podvisor is active in the workbench' : 'check FAILED');
  await stop(ok ? 0 : 1);
}

// Stay up until Ctrl-C; exit when code-server itself goes away.
const timer = setInterval(() => {
  try {
    process.kill(server.pid, 0);
  } catch {
    clearInterval(timer);
    log(`code-server exited; see ${server.logFile}`);
    void stop(1);
  }
}, 1000);

/** The workspace, and the settings that point Podvisor at what was prepared for it. */
async function prepare() {
  if (opt('folder')) return { folder: resolve(opt('folder')), userSettings: {} };
  const samples = require(join(root, 'out/test/harness/samples.js'));
  // Outside the checkout, so quick fixes and new files never change tracked files (and the
  // workbench's Source Control does not show Podvisor's own repository).
  const copy = join(
    tmpdir(),
    `podvisor-samples-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`,
  );
  const folder = samples.prepareSampleWorkspace(join(root, 'samples'), copy, log);
  // VMs made from the samples live beside the workbench state, not in the user's home.
  const userSettings = { 'podvisor.vm.home': join(root, '.cache', 'start-vms') };
  if (args.includes('--no-prepare')) return { folder, userSettings };
  try {
    const host = await sampleEngine(userSettings);
    if (host) for (const line of samples.prepareSampleImages(host, log)) log(`  image ${line}`);
    const vm = samples.prepareVmImages(folder);
    log(`  "New VM…" files: ${vm.join(', ')}`);
  } catch (e) {
    log(`!!! preparing the samples failed (they may need a network now): ${e.message.split('\n')[0]}`);
  }
  return { folder, userSettings };
}

/**
 * The engine the samples run on: the one Podvisor finds by itself (DOCKER_HOST, the default
 * socket) when it answers; otherwise, as root with dockerd installed, a private engine with its
 * own data dir, socket, bridge (pvstart0) and pidfile, runc and runsc, stopped by pid on exit.
 */
async function sampleEngine(userSettings) {
  const { docker } = require(join(root, 'out/test/harness/images.js'));
  const candidate = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  try {
    docker(candidate, ['version', '--format', '{{.Server.Version}}']);
    log(`Docker engine ${candidate} answers: the samples' images are prepared there`);
    return candidate;
  } catch {
    /* not reachable: a private one, when we can */
  }
  const root_ = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root_ || !existsSync('/usr/sbin/dockerd')) {
    log(
      `!!! no Docker engine answers at ${candidate} and none can be started here (needs root and docker.io): container samples will say so`,
    );
    return undefined;
  }
  const { startPrivateDockerd } = require(join(root, 'out/test/harness/dockerd.js'));
  engine = await startPrivateDockerd(join(root, '.cache', 'start-engine'), {
    bridge: 'pvstart0',
    cidr: '10.233.0.1/24',
  });
  userSettings['podvisor.docker.host'] = engine.host;
  log(`private Docker engine pid ${engine.pid} on ${engine.host} (runtimes: ${engine.runtimes.join(', ')})`);
  return engine.host;
}
