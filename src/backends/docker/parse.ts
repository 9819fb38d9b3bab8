/**
 * Runtime checks of what the engine returns (Docker and Podman differ in small ways: null vs
 * [] arrays, missing fields), turning it into ContainerInfo / ImageInfo. Anything malformed is
 * skipped with a reason rather than reaching the tree half-formed.
 */
import { isolationOfRuntime, type WorkloadState } from '../types';
import type { ContainerInfo, ImageConfig, ImageInfo, PortMapping } from './model';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const s = (x: unknown, d = ''): string => (typeof x === 'string' ? x : d);
const n = (x: unknown, d = 0): number => (typeof x === 'number' && Number.isFinite(x) ? x : d);

function labelsOf(x: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(x)) for (const [k, v] of Object.entries(x)) if (typeof v === 'string') out[k] = v;
  return out;
}

function stateOf(raw: string): WorkloadState {
  switch (raw.toLowerCase()) {
    case 'running':
      return 'running';
    case 'paused':
      return 'paused';
    case 'restarting':
      return 'restarting';
    case 'created':
    case 'configured': // Podman
      return 'created';
    case 'exited':
    case 'stopped':
      return 'stopped';
    case 'removing':
      return 'removing';
    case 'dead':
      return 'dead';
    default:
      return 'unknown';
  }
}

function isoMs(x: unknown): number | undefined {
  if (typeof x !== 'string' || x.startsWith('0001-')) return undefined;
  const t = Date.parse(x);
  return Number.isFinite(t) ? t : undefined;
}

function compose(labels: Record<string, string>): { composeProject?: string; composeService?: string } {
  return {
    composeProject: labels['com.docker.compose.project'] ?? labels['io.podman.compose.project'],
    composeService: labels['com.docker.compose.service'],
  };
}

/** One entry of GET /containers/json. `runtime` comes from our cache (the list lacks it). */
export function parseListedContainer(x: unknown, runtime?: string): ContainerInfo | undefined {
  if (!isObj(x) || typeof x.Id !== 'string') return undefined;
  const names = Array.isArray(x.Names) ? x.Names.filter((v): v is string => typeof v === 'string') : [];
  const rawState = s(x.State);
  const statusText = s(x.Status);
  const labels = labelsOf(x.Labels);
  const ports: PortMapping[] = [];
  if (Array.isArray(x.Ports)) {
    for (const p of x.Ports) {
      if (!isObj(p) || typeof p.PrivatePort !== 'number') continue;
      ports.push({
        privatePort: p.PrivatePort,
        publicPort: typeof p.PublicPort === 'number' ? p.PublicPort : undefined,
        ip: typeof p.IP === 'string' ? p.IP : undefined,
        type: s(p.Type, 'tcp'),
      });
    }
  }
  const exit = /^Exited \((-?\d+)\)/.exec(statusText);
  const health = /\((healthy|unhealthy|health: starting)\)/.exec(statusText)?.[1];
  const nets =
    isObj(x.NetworkSettings) && isObj(x.NetworkSettings.Networks)
      ? Object.keys(x.NetworkSettings.Networks)
      : [];
  return {
    id: x.Id,
    // The primary name is the one without a slash inside (links add "/other/alias" names).
    name: (names.find((v) => v.lastIndexOf('/') === 0) ?? names[0] ?? x.Id.slice(0, 12)).replace(/^\//, ''),
    image: s(x.Image),
    imageId: s(x.ImageID),
    command: s(x.Command),
    created: n(x.Created) * 1000,
    state: stateOf(rawState),
    rawState,
    statusText,
    exitCode: exit ? Number(exit[1]) : undefined,
    health: health === 'health: starting' ? 'starting' : health,
    ports: dedupePorts(ports),
    labels,
    runtime,
    isolation: isolationOfRuntime(runtime),
    ...compose(labels),
    networks: nets,
  };
}

/** IPv4 and IPv6 bindings of the same port show once. */
function dedupePorts(ports: PortMapping[]): PortMapping[] {
  const seen = new Set<string>();
  const out: PortMapping[] = [];
  for (const p of ports) {
    const k = `${p.privatePort}/${p.type}/${p.publicPort ?? ''}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(p);
  }
  return out.sort((a, b) => a.privatePort - b.privatePort || (a.publicPort ?? 0) - (b.publicPort ?? 0));
}

/** GET /containers/{id}/json, shaped like a listed entry so the tree treats both alike. */
export function parseInspectedContainer(x: unknown): ContainerInfo | undefined {
  if (!isObj(x) || typeof x.Id !== 'string') return undefined;
  const st = isObj(x.State) ? x.State : {};
  const cfg = isObj(x.Config) ? x.Config : {};
  const hc = isObj(x.HostConfig) ? x.HostConfig : {};
  const ns = isObj(x.NetworkSettings) ? x.NetworkSettings : {};
  const labels = labelsOf(cfg.Labels);
  const ports: PortMapping[] = [];
  if (isObj(ns.Ports)) {
    for (const [key, binds] of Object.entries(ns.Ports)) {
      const [, port, type] = /^(\d+)\/(\w+)$/.exec(key) ?? [];
      if (!port || !type) continue;
      const privatePort = Number(port);
      if (Array.isArray(binds) && binds.length) {
        for (const b of binds) {
          if (!isObj(b)) continue;
          const hp = Number(s(b.HostPort));
          ports.push({
            privatePort,
            type,
            publicPort: hp > 0 ? hp : undefined,
            ip: s(b.HostIp) || undefined,
          });
        }
      } else {
        ports.push({ privatePort, type });
      }
    }
  }
  const rawState = s(st.Status, st.Running === true ? 'running' : 'unknown');
  const runtime = s(hc.Runtime) || undefined;
  const health = isObj(st.Health) ? s(st.Health.Status) || undefined : undefined;
  const cmd = [
    ...(Array.isArray(x.Path) ? [] : [s(x.Path)]),
    ...(Array.isArray(x.Args) ? x.Args.filter((a): a is string => typeof a === 'string') : []),
  ].filter(Boolean);
  const startedAt = isoMs(st.StartedAt);
  const finishedAt = isoMs(st.FinishedAt);
  const state = stateOf(rawState);
  const image = s(cfg.Image) || s(x.Image);
  return {
    id: x.Id,
    name: s(x.Name).replace(/^\//, '') || x.Id.slice(0, 12),
    image,
    imageId: s(x.Image),
    command: cmd.join(' '),
    created: isoMs(x.Created) ?? 0,
    state,
    rawState,
    statusText: '',
    startedAt,
    finishedAt,
    // A created container has exit code 0 but never exited: no exit code to show.
    exitCode: state === 'stopped' || state === 'dead' ? n(st.ExitCode) : undefined,
    health: health === 'none' ? undefined : health,
    ports: dedupePorts(ports),
    labels,
    runtime,
    isolation: isolationOfRuntime(runtime),
    ...compose(labels),
    networks: isObj(ns.Networks) ? Object.keys(ns.Networks) : [],
  };
}

/** One entry of GET /images/json. */
export function parseImage(x: unknown): ImageInfo | undefined {
  if (!isObj(x) || typeof x.Id !== 'string') return undefined;
  const tags = (Array.isArray(x.RepoTags) ? x.RepoTags : []).filter(
    (t): t is string => typeof t === 'string' && t !== '<none>:<none>',
  );
  const digests = (Array.isArray(x.RepoDigests) ? x.RepoDigests : []).filter(
    (t): t is string => typeof t === 'string' && t !== '<none>@<none>',
  );
  return {
    id: x.Id,
    repoTags: tags,
    repoDigests: digests,
    size: n(x.Size),
    created: n(x.Created) * 1000,
    dangling: tags.length === 0,
    containers: n(x.Containers, -1),
  };
}

/** GET /images/{ref}/json, the parts a sandbox reads (USER, Env, WorkingDir, Labels). */
export function parseImageConfig(x: unknown): ImageConfig | undefined {
  if (!isObj(x) || typeof x.Id !== 'string') return undefined;
  const cfg = isObj(x.Config) ? x.Config : {};
  return {
    id: x.Id,
    user: s(cfg.User),
    env: Array.isArray(cfg.Env) ? cfg.Env.filter((e): e is string => typeof e === 'string') : [],
    workingDir: s(cfg.WorkingDir),
    labels: labelsOf(cfg.Labels),
  };
}
