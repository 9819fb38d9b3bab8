/**
 * Finds the Docker-API engine the way the `docker` CLI does, then falls back to Podman's
 * Docker-compatible sockets. Reads real files only (config.json, contexts/meta/<id>/meta.json);
 * the environment and home folder are parameters so tests can point them at temp dirs.
 */
import * as fs from 'fs';
import * as path from 'path';

export type EndpointSource =
  | 'setting'
  | 'context-setting'
  | 'DOCKER_HOST'
  | 'DOCKER_CONTEXT'
  | 'context'
  | 'default'
  | 'podman'
  | 'engine-vm'
  | 'none';

export interface Endpoint {
  /** `unix:///path`, `tcp://host:port`, `ssh://user@host`. */
  readonly host: string;
  readonly source: EndpointSource;
  /** The Docker context it came from, when it came from one. */
  readonly context?: string;
  /** TLS material folder (DOCKER_CERT_PATH or the context's tls dir), when TLS is on. */
  readonly tlsDir?: string;
  readonly tlsVerify?: boolean;
  /** For ssh:// hosts: an ssh_config file (`ssh -F`); default ssh's own (~/.ssh/config), like the CLI. */
  readonly sshConfig?: string;
  /** False when nothing was configured and no socket was found: the first-run state. */
  readonly configured: boolean;
}

export interface DockerContext {
  readonly name: string;
  readonly host: string;
  readonly description: string;
  readonly tlsDir?: string;
  readonly current: boolean;
}

export interface DiscoveryInput {
  /** `podvisor.docker.host`; empty = not set. */
  readonly settingHost?: string;
  /** `podvisor.docker.context`; empty = not set. */
  readonly settingContext?: string;
  readonly env: NodeJS.ProcessEnv | Record<string, string | undefined>;
  readonly home: string;
  /** For tests: the default socket and Podman's rootful socket. */
  readonly defaultSocket?: string;
  readonly podmanRootSocket?: string;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';
const PODMAN_ROOT_SOCKET = '/run/podman/podman.sock';

/** The folder holding config.json and contexts/: `DOCKER_CONFIG` or `~/.docker`. */
export function dockerConfigDir(input: Pick<DiscoveryInput, 'env' | 'home'>): string {
  const c = input.env.DOCKER_CONFIG;
  return c && c.trim() ? c : path.join(input.home, '.docker');
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** `currentContext` from config.json, or undefined (= "default"). */
function currentContextName(input: Pick<DiscoveryInput, 'env' | 'home'>): string | undefined {
  const cfg = readJson(path.join(dockerConfigDir(input), 'config.json'));
  const cur = isObj(cfg) ? cfg.currentContext : undefined;
  return typeof cur === 'string' && cur.trim() && cur !== 'default' ? cur.trim() : undefined;
}

/** Every context in contexts/meta/<sha256(name)>/meta.json, plus the implicit "default". */
export function listContexts(input: DiscoveryInput): DockerContext[] {
  const dir = dockerConfigDir(input);
  const current = input.env.DOCKER_CONTEXT?.trim() || currentContextName(input) || 'default';
  const out: DockerContext[] = [];
  const metaDir = path.join(dir, 'contexts', 'meta');
  let ids: string[] = [];
  try {
    ids = fs.readdirSync(metaDir);
  } catch {
    /* no contexts */
  }
  for (const id of ids) {
    const meta = readJson(path.join(metaDir, id, 'meta.json'));
    if (!isObj(meta) || typeof meta.Name !== 'string') continue;
    const eps = isObj(meta.Endpoints) ? meta.Endpoints : {};
    const ep = isObj(eps.docker) ? eps.docker : {};
    const host = typeof ep.Host === 'string' ? ep.Host : '';
    if (!host) continue;
    const md = isObj(meta.Metadata) ? meta.Metadata : {};
    const tlsDir = path.join(dir, 'contexts', 'tls', id, 'docker');
    out.push({
      name: meta.Name,
      host,
      description: typeof md.Description === 'string' ? md.Description : '',
      tlsDir: ep.SkipTLSVerify !== true && fs.existsSync(tlsDir) ? tlsDir : undefined,
      current: meta.Name === current,
    });
  }
  out.sort((a, b) => a.name.localeCompare(b.name));
  const def = defaultEndpoint(input);
  out.unshift({
    name: 'default',
    host: def.host,
    description: 'Current DOCKER_HOST based configuration',
    current: current === 'default',
  });
  return out;
}

function socketExists(p: string): boolean {
  try {
    return fs.statSync(p).isSocket();
  } catch {
    return false;
  }
}

/** The "default" context: DOCKER_HOST, else the default socket, else Podman's sockets. */
function defaultEndpoint(input: DiscoveryInput): Endpoint {
  const envHost = input.env.DOCKER_HOST?.trim();
  if (envHost) {
    const tls = input.env.DOCKER_TLS_VERIFY ? true : undefined;
    return {
      host: envHost,
      source: 'DOCKER_HOST',
      configured: true,
      tlsVerify: tls,
      tlsDir: tls ? input.env.DOCKER_CERT_PATH || path.join(dockerConfigDir(input), '') : undefined,
    };
  }
  const def = input.defaultSocket ?? DEFAULT_SOCKET;
  if (socketExists(def)) return { host: `unix://${def}`, source: 'default', configured: true };
  const podman = [
    input.env.XDG_RUNTIME_DIR ? path.join(input.env.XDG_RUNTIME_DIR, 'podman', 'podman.sock') : undefined,
    input.podmanRootSocket ?? PODMAN_ROOT_SOCKET,
  ].filter((p): p is string => !!p);
  for (const p of podman)
    if (socketExists(p)) return { host: `unix://${p}`, source: 'podman', configured: true };
  // Nothing found: the CLI would still try the default socket; so do we, but say it is the first run.
  return { host: `unix://${def}`, source: 'none', configured: false };
}

function fromContext(input: DiscoveryInput, name: string, source: EndpointSource): Endpoint | undefined {
  if (name === 'default') return { ...defaultEndpoint(input), context: 'default' };
  const ctx = listContexts(input).find((c) => c.name === name);
  if (!ctx) return undefined;
  return {
    host: ctx.host,
    source,
    context: ctx.name,
    tlsDir: ctx.tlsDir,
    tlsVerify: ctx.tlsDir ? true : undefined,
    configured: true,
  };
}

/**
 * The endpoint to use. Order: the host setting, the context setting (like `docker --context`),
 * DOCKER_HOST, DOCKER_CONTEXT, config.json's currentContext, the default socket, Podman's sockets.
 * A named context that does not exist is an error the user must see, not a silent fallback.
 */
export function discoverEndpoint(input: DiscoveryInput): Endpoint {
  const setting = input.settingHost?.trim();
  if (setting) return { host: setting, source: 'setting', configured: true };
  const ctxSetting = input.settingContext?.trim();
  if (ctxSetting) {
    const ep = fromContext(input, ctxSetting, 'context-setting');
    if (!ep)
      throw new Error(
        `Docker context "${ctxSetting}" (setting podvisor.docker.context) does not exist in ${dockerConfigDir(input)}`,
      );
    return ep;
  }
  if (input.env.DOCKER_HOST?.trim()) return defaultEndpoint(input);
  const envCtx = input.env.DOCKER_CONTEXT?.trim();
  if (envCtx) {
    const ep = fromContext(input, envCtx, 'DOCKER_CONTEXT');
    if (!ep)
      throw new Error(
        `Docker context "${envCtx}" (DOCKER_CONTEXT) does not exist in ${dockerConfigDir(input)}`,
      );
    return ep;
  }
  const cur = currentContextName(input);
  if (cur) {
    const ep = fromContext(input, cur, 'context');
    if (!ep)
      throw new Error(
        `Docker context "${cur}" (currentContext in ${path.join(dockerConfigDir(input), 'config.json')}) does not exist`,
      );
    return ep;
  }
  return defaultEndpoint(input);
}

/** Short human text for the endpoint in use: `unix:///var/run/docker.sock (context: remote)`. */
export function describeEndpoint(ep: Endpoint): string {
  const how: Record<EndpointSource, string> = {
    setting: 'setting',
    'context-setting': `context ${ep.context ?? ''}`,
    DOCKER_HOST: 'DOCKER_HOST',
    DOCKER_CONTEXT: `context ${ep.context ?? ''}`,
    context: `context ${ep.context ?? ''}`,
    default: 'default socket',
    podman: 'Podman',
    'engine-vm': 'engine VM',
    none: 'not found',
  };
  return `${ep.host} (${how[ep.source]})`;
}
