/**
 * Which `helm` to run: the user's (setting / flag), else one on PATH, else the one Podvisor's
 * tools script built from helm.sh/helm/v4 into the shared tools cache (scripts/tools.mjs).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

function executable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Tool cache roots, as scripts/lib/gotools.mjs names them. */
function cacheRoots(): string[] {
  const r: string[] = [];
  if (process.env.PODVISOR_TOOLS_CACHE) r.push(process.env.PODVISOR_TOOLS_CACHE);
  r.push('/var/cache/podvisor/tools', path.join(os.homedir(), '.cache', 'podvisor', 'tools'));
  return r;
}

/** A tool from the tools cache (`helm-v4.3.2-<hash>/bin/helm`), the newest version first. */
export function cachedTool(name: string, bin = name): string | undefined {
  for (const root of cacheRoots()) {
    let dirs: string[];
    try {
      dirs = fs
        .readdirSync(root)
        .filter((d) => d.startsWith(`${name}-v`) && !d.includes('.tmp') && !d.endsWith('.lock'));
    } catch {
      continue;
    }
    dirs.sort().reverse();
    for (const d of dirs) {
      const p = path.join(root, d, 'bin', bin);
      if (fs.existsSync(path.join(root, d, '.complete')) && executable(p)) return p;
    }
  }
  return undefined;
}

export function onPath(bin: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!d) continue;
    const p = path.join(d, bin);
    if (executable(p)) return p;
  }
  return undefined;
}

/** The helm binary to use, or undefined (then templates keep the "checks limited" treatment). */
export function locateHelm(configured?: string): string | undefined {
  if (configured) return executable(configured) ? configured : undefined;
  return process.env.PODVISOR_HELM || onPath('helm') || cachedTool('helm');
}

/** kubectl for `kubectl kustomize`: configured, PATH, or the tools cache's kubernetes build. */
export function locateKubectl(configured?: string): string | undefined {
  if (configured) return executable(configured) ? configured : undefined;
  return process.env.PODVISOR_KUBECTL || onPath('kubectl') || cachedTool('kubernetes', 'kubectl');
}
