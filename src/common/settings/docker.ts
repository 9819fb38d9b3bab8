import { type SettingReader, bool, num, oneOf, str } from './read';

/** One engine of `podvisor.docker.endpoints`, shown as its own group beside the discovered one. */
export interface EngineEndpointSetting {
  /** What the group is called (default: the host). */
  readonly name: string;
  /** `unix:///…`, `tcp://host:2376`, `ssh://user@host`. */
  readonly host: string;
  /** TLS material folder (ca.pem, cert.pem, key.pem) for tcp://; TLS is on when it is set. */
  readonly tlsDir?: string;
  /** An ssh_config file for ssh:// (keys, known hosts); default: ssh's own. */
  readonly sshConfig?: string;
}

const HOST_RE = /^(unix|tcp|ssh|npipe|https?):\/\/\S+$/;

function endpoints(get: SettingReader): EngineEndpointSetting[] {
  const v = get('podvisor.docker.endpoints');
  if (!Array.isArray(v)) return [];
  const out: EngineEndpointSetting[] = [];
  const seen = new Set<string>();
  for (const x of v) {
    const o =
      typeof x === 'string'
        ? { host: x }
        : typeof x === 'object' && x !== null
          ? (x as Record<string, unknown>)
          : {};
    const host = typeof o.host === 'string' ? o.host.trim() : '';
    if (!HOST_RE.test(host) || seen.has(host)) continue;
    seen.add(host);
    const name = typeof o.name === 'string' && o.name.trim() ? o.name.trim() : host;
    const tlsDir = typeof o.tlsDir === 'string' && o.tlsDir.trim() ? o.tlsDir.trim() : undefined;
    const sshConfig = typeof o.sshConfig === 'string' && o.sshConfig.trim() ? o.sshConfig.trim() : undefined;
    out.push({ name, host, ...(tlsDir ? { tlsDir } : {}), ...(sshConfig ? { sshConfig } : {}) });
  }
  return out;
}

/** `podvisor.docker.*` — owned by the containers feature. */
export interface DockerSettings {
  /** Explicit engine endpoint (`unix:///…`, `tcp://…`); empty means discover like the docker CLI. */
  readonly host: string;
  /** A Docker context name to use instead of the CLI's current one; empty = the CLI's. */
  readonly context: string;
  readonly groupBy: 'composeProject' | 'state' | 'runtime' | 'none';
  readonly sortBy: 'name' | 'created' | 'state' | 'image';
  readonly showDanglingImages: boolean;
  /** Lines of history shown when following logs; -1 = all. */
  readonly logsTail: number;
  /** Safety re-listing period while the view is visible, seconds; 0 = off. */
  readonly safetyPollSeconds: number;
  /** More engines, each its own group (machine scope: addresses of this machine's reach). */
  readonly endpoints: readonly EngineEndpointSetting[];
  /** Which Compose CLI runs projects. */
  readonly composeCommand: 'auto' | 'docker compose' | 'docker-compose';
  /** The docker CLI used for `docker compose` and builds; empty = `docker` on PATH. */
  readonly dockerPath: string;
}

export function readDockerSettings(get: SettingReader): DockerSettings {
  return {
    host: str(get, 'podvisor.docker.host', ''),
    context: str(get, 'podvisor.docker.context', ''),
    groupBy: oneOf(
      get,
      'podvisor.docker.containers.groupBy',
      ['composeProject', 'state', 'runtime', 'none'] as const,
      'composeProject',
    ),
    sortBy: oneOf(
      get,
      'podvisor.docker.containers.sortBy',
      ['name', 'created', 'state', 'image'] as const,
      'name',
    ),
    showDanglingImages: bool(get, 'podvisor.docker.images.showDangling', false),
    logsTail: Math.round(num(get, 'podvisor.docker.logs.tail', 500, -1, 1_000_000)),
    safetyPollSeconds: Math.round(num(get, 'podvisor.docker.safetyPollSeconds', 60, 0, 3600)),
    endpoints: endpoints(get),
    composeCommand: oneOf(
      get,
      'podvisor.compose.command',
      ['auto', 'docker compose', 'docker-compose'] as const,
      'auto',
    ),
    dockerPath: str(get, 'podvisor.docker.path', ''),
  };
}
