// Heavy tools built from Go modules, once per machine, into a versioned cache outside the clone
// (CI clones afresh on the same kind of machine: a cache under the clone would be lost). A tool is
// a recipe: a wrapper module of our own (go.mod written here), the packages to build, flags. Its
// cache folder is named by tool, version and a hash of the recipe, so a changed recipe builds anew
// and an unchanged one is reused in seconds. Builds are atomic (tmp dir, then rename) and locked
// (two test runs on one machine wait for one build, they don't race).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where built tools live: PODVISOR_TOOLS_CACHE, /var/cache/podvisor as root, else ~/.cache/podvisor. */
export function toolsCacheRoot() {
  if (process.env.PODVISOR_TOOLS_CACHE) return process.env.PODVISOR_TOOLS_CACHE;
  if (typeof process.getuid === 'function' && process.getuid() === 0) return '/var/cache/podvisor/tools';
  return join(homedir(), '.cache', 'podvisor', 'tools');
}

export function goVersion() {
  const r = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function recipeHash(recipe) {
  const { name, version, outputs, packages, tags, ldflags, env, goMod, extraFiles, cgo } = recipe;
  return createHash('sha256')
    .update(
      JSON.stringify({
        name,
        version,
        outputs,
        packages,
        tags,
        ldflags,
        env,
        goMod,
        extraFiles,
        cgo,
        go: goVersion(),
      }),
    )
    .digest('hex')
    .slice(0, 10);
}

/** The folder a recipe's binaries go to (whether built yet or not). */
export function toolDir(recipe) {
  return join(toolsCacheRoot(), `${recipe.name}-${recipe.version}-${recipeHash(recipe)}`);
}

export function isBuilt(recipe) {
  const dir = toolDir(recipe);
  return existsSync(join(dir, '.complete')) && recipe.outputs.every((o) => existsSync(join(dir, 'bin', o)));
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A lock directory holding the builder's pid; a lock whose pid is gone is stale and taken over. */
async function withLock(dir, work, log) {
  const lock = `${dir}.lock`;
  for (let waited = 0; ; waited += 2000) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      let pid = 0;
      try {
        pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        /* being written */
      }
      if (pid && !pidAlive(pid)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (waited % 60000 === 0) log(`waiting for another build of ${dir} (pid ${pid || '?'})`);
      await sleep(2000);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function runGo(args, { cwd, env, log, signal }) {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let err = '';
    const onAbort = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d) => log(d.toString().trimEnd()));
    child.stderr.on('data', (d) => {
      err += d.toString();
      if (err.length > 200_000) err = err.slice(-100_000);
    });
    child.on('exit', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (code === 0) resolve(err);
      else
        reject(
          new Error(
            `go ${args.slice(0, 3).join(' ')} … failed (exit ${code}):\n${err.split('\n').slice(-40).join('\n')}`,
          ),
        );
    });
  });
}

/**
 * Builds `recipe` unless it is built; returns { dir, bin(name), seconds, built }.
 * recipe: { name, version, goMod (text of the wrapper go.mod, or a function (work) => text),
 *   packages: [{ pkg, out }], tags, ldflags, env, cgo, extraFiles: { 'main.go': '…' },
 *   prepare?(work, helpers) (async: may rewrite go.mod after `go mod download`) }
 */
export async function ensureTool(recipe, { log = console.log, signal } = {}) {
  const dir = toolDir(recipe);
  const result = (built, seconds) => ({ dir, bin: (n) => join(dir, 'bin', n), built, seconds });
  if (isBuilt(recipe)) return result(false, 0);
  if (!goVersion()) throw new Error(`Go is not installed: cannot build ${recipe.name} ${recipe.version}`);
  mkdirSync(toolsCacheRoot(), { recursive: true });
  return withLock(
    dir,
    async () => {
      if (isBuilt(recipe)) return result(false, 0);
      const t0 = Date.now();
      const tmp = `${dir}.tmp-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      const work = join(tmp, 'src');
      mkdirSync(join(tmp, 'bin'), { recursive: true });
      mkdirSync(work, { recursive: true });
      const env = {
        CGO_ENABLED: recipe.cgo ? '1' : '0',
        GOFLAGS: '-mod=mod',
        GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local',
        ...(recipe.env ?? {}),
      };
      const goMod =
        typeof recipe.goMod === 'function' ? await recipe.goMod({ work, env, log }) : recipe.goMod;
      writeFileSync(join(work, 'go.mod'), goMod);
      for (const [f, text] of Object.entries(recipe.extraFiles ?? {})) {
        mkdirSync(join(work, f, '..'), { recursive: true });
        writeFileSync(join(work, f), text);
      }
      if (recipe.prepare)
        await recipe.prepare({
          work,
          env,
          log,
          runGo: (args) => runGo(args, { cwd: work, env, log, signal }),
        });
      log(
        `[tools] building ${recipe.name} ${recipe.version} (${recipe.packages.map((p) => p.out).join(', ')}) into ${dir}`,
      );
      // `go mod tidy` would prune requirements of packages outside the build list; resolve lazily.
      await runGo(['mod', 'download'], { cwd: work, env, log, signal }).catch(() => undefined);
      const flags = ['-trimpath', '-p', String(recipe.parallel ?? 2)];
      if (recipe.tags?.length) flags.push('-tags', recipe.tags.join(','));
      flags.push('-ldflags', ['-s', '-w', ...(recipe.ldflags ?? [])].join(' '));
      // One `go build` per output: a shared build cache makes later ones reuse the common packages.
      for (const p of recipe.packages) {
        const t1 = Date.now();
        await runGo(['build', ...flags, '-o', join(tmp, 'bin', p.out), p.pkg], {
          cwd: work,
          env,
          log,
          signal,
        });
        log(`[tools]   ${p.out} in ${((Date.now() - t1) / 1000).toFixed(0)} s`);
      }
      writeFileSync(
        join(tmp, 'RECIPE.json'),
        JSON.stringify(
          {
            name: recipe.name,
            version: recipe.version,
            packages: recipe.packages,
            tags: recipe.tags,
            go: goVersion(),
            builtAt: new Date().toISOString(),
          },
          null,
          2,
        ),
      );
      writeFileSync(join(tmp, '.complete'), '');
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
      const seconds = Math.round((Date.now() - t0) / 1000);
      log(`[tools] ${recipe.name} ${recipe.version} built in ${seconds} s`);
      return result(true, seconds);
    },
    log,
  );
}

/** Module path → version for every requirement of a downloaded module's go.mod. */
export function requirementsOf(goModText) {
  const out = new Map();
  const block = /^require\s*\(([\s\S]*?)^\)/gm;
  let m;
  while ((m = block.exec(goModText))) {
    for (const line of m[1].split('\n')) {
      const t = line
        .replace(/\/\/.*$/, '')
        .trim()
        .split(/\s+/);
      if (t.length >= 2 && t[0]) out.set(t[0], t[1]);
    }
  }
  for (const line of goModText.split('\n')) {
    const t = /^require\s+(\S+)\s+(\S+)/.exec(line);
    if (t) out.set(t[1], t[2]);
  }
  return out;
}

/** Replace directives (old → new version/path) of a go.mod text. */
export function replacesOf(goModText) {
  const out = [];
  const add = (s) => {
    const t = /^(\S+)(?:\s+(\S+))?\s+=>\s+(\S+)(?:\s+(\S+))?/.exec(s.replace(/\/\/.*$/, '').trim());
    if (t) out.push({ from: t[1], fromVersion: t[2], to: t[3], toVersion: t[4] });
  };
  const block = /^replace\s*\(([\s\S]*?)^\)/gm;
  let m;
  while ((m = block.exec(goModText))) for (const line of m[1].split('\n')) add(line);
  for (const line of goModText.split('\n'))
    if (/^replace\s+[^(]/.test(line)) add(line.replace(/^replace\s+/, ''));
  return out;
}

/** The go.mod of module@version from the module proxy (downloads it into the module cache). */
export function downloadedGoMod(mod, version, env = {}) {
  const r = spawnSync('go', ['mod', 'download', '-json', `${mod}@${version}`], {
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod', ...env },
  });
  if (r.status !== 0) throw new Error(`go mod download ${mod}@${version} failed: ${r.stderr || r.stdout}`);
  const info = JSON.parse(r.stdout);
  return { goMod: readFileSync(info.GoMod, 'utf8'), dir: info.Dir };
}

/** Cache folders of tools no recipe names any more (old versions): for `tools.mjs prune`. */
export function staleToolDirs(recipes) {
  const root = toolsCacheRoot();
  if (!existsSync(root)) return [];
  const keep = new Set(recipes.map((r) => toolDir(r)));
  return readdirSync(root)
    .map((f) => join(root, f))
    .filter((d) => !keep.has(d) && statSync(d).isDirectory() && !d.endsWith('.lock'));
}
