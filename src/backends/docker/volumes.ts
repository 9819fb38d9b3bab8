/**
 * Volumes and networks of one engine: listed with the containers that use each (from one
 * container listing: volume mounts and attached networks), created, removed, pruned. Parsed
 * and checked before they reach a view; Docker and Podman differ in null-vs-[] and missing fields.
 */
import type { DockerClient } from './client';
import { engineError } from './errors';

export interface VolumeInfo {
  readonly name: string;
  readonly driver: string;
  readonly mountpoint: string;
  readonly scope: string;
  /** Unix ms, when the engine says. */
  readonly created?: number;
  readonly labels: Readonly<Record<string, string>>;
  /** Names of the containers (running or not) that mount it. */
  readonly usedBy: readonly string[];
}

export interface NetworkInfo {
  readonly id: string;
  readonly name: string;
  readonly driver: string;
  readonly scope: string;
  readonly internal: boolean;
  readonly subnets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly usedBy: readonly string[];
  /** bridge, host, none (and podman's `podman`): the engine's own, never removed. */
  readonly builtIn: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const s = (x: unknown): string => (typeof x === 'string' ? x : '');
function labels(x: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(x)) for (const [k, v] of Object.entries(x)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Volume and network names: Docker's rule for both. */
export const RESOURCE_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export function validateResourceName(name: string, what: 'volume' | 'network'): string | undefined {
  if (!name) return `A ${what} name must not be empty.`;
  if (name.length > 255) return `A ${what} name must be at most 255 characters.`;
  if (!RESOURCE_NAME_RE.test(name))
    return `A ${what} name starts with a letter or digit and has only letters, digits, "_", "." and "-".`;
  return undefined;
}
function assertName(name: string, what: 'volume' | 'network'): string {
  const bad = validateResourceName(name, what);
  if (bad && !/^[0-9a-f]{12,64}$/.test(name)) throw new Error(`${bad} (${JSON.stringify(name)})`);
  return name;
}

type Sig = { signal?: AbortSignal };

interface Usage {
  volumes: Map<string, string[]>;
  networks: Map<string, string[]>;
}

async function usage(client: DockerClient, o: Sig): Promise<Usage> {
  const raw = (await client.api.listContainers({ all: true, abortSignal: o.signal })) as unknown;
  const volumes = new Map<string, string[]>();
  const networks = new Map<string, string[]>();
  const add = (m: Map<string, string[]>, k: string, v: string) => {
    const l = m.get(k);
    if (l) l.push(v);
    else m.set(k, [v]);
  };
  if (Array.isArray(raw))
    for (const c of raw) {
      if (!isObj(c)) continue;
      const names = Array.isArray(c.Names) ? c.Names.filter((n): n is string => typeof n === 'string') : [];
      const name = (names[0] ?? s(c.Id).slice(0, 12)).replace(/^\//, '');
      if (Array.isArray(c.Mounts))
        for (const m of c.Mounts)
          if (isObj(m) && m.Type === 'volume' && s(m.Name)) add(volumes, s(m.Name), name);
      const nets =
        isObj(c.NetworkSettings) && isObj(c.NetworkSettings.Networks) ? c.NetworkSettings.Networks : {};
      for (const [n, v] of Object.entries(nets)) {
        add(networks, n, name);
        const id = isObj(v) ? s(v.NetworkID) : '';
        if (id) add(networks, id, name);
      }
    }
  return { volumes, networks };
}

export async function listVolumes(client: DockerClient, o: Sig = {}): Promise<VolumeInfo[]> {
  let raw: unknown;
  let use: Usage;
  try {
    [raw, use] = await Promise.all([
      client.api.listVolumes({ abortSignal: o.signal } as never) as unknown as Promise<unknown>,
      usage(client, o),
    ]);
  } catch (e) {
    throw engineError('Could not list volumes', e);
  }
  const list = isObj(raw) && Array.isArray(raw.Volumes) ? raw.Volumes : [];
  return list
    .filter(isObj)
    .filter((v) => s(v.Name))
    .map((v) => {
      const t = Date.parse(s(v.CreatedAt));
      return {
        name: s(v.Name),
        driver: s(v.Driver) || 'local',
        mountpoint: s(v.Mountpoint),
        scope: s(v.Scope) || 'local',
        created: Number.isFinite(t) ? t : undefined,
        labels: labels(v.Labels),
        usedBy: use.volumes.get(s(v.Name)) ?? [],
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function listNetworks(client: DockerClient, o: Sig = {}): Promise<NetworkInfo[]> {
  let raw: unknown;
  let use: Usage;
  try {
    [raw, use] = await Promise.all([
      client.api.listNetworks({ abortSignal: o.signal } as never) as unknown as Promise<unknown>,
      usage(client, o),
    ]);
  } catch (e) {
    throw engineError('Could not list networks', e);
  }
  const list = Array.isArray(raw) ? raw : [];
  return list
    .filter(isObj)
    .filter((n) => s(n.Name))
    .map((n) => {
      const ipam = isObj(n.IPAM) && Array.isArray(n.IPAM.Config) ? n.IPAM.Config : [];
      const name = s(n.Name);
      const id = s(n.Id);
      const users = new Set([...(use.networks.get(name) ?? []), ...(use.networks.get(id) ?? [])]);
      return {
        id,
        name,
        driver: s(n.Driver),
        scope: s(n.Scope) || 'local',
        internal: n.Internal === true,
        subnets: ipam
          .filter(isObj)
          .map((c) => s(c.Subnet))
          .filter(Boolean),
        labels: labels(n.Labels),
        usedBy: [...users].sort(),
        builtIn: ['bridge', 'host', 'none', 'podman'].includes(name),
      };
    })
    .sort((a, b) => Number(b.builtIn) - Number(a.builtIn) || a.name.localeCompare(b.name));
}

export async function inspectVolumeRaw(client: DockerClient, name: string, o: Sig = {}): Promise<unknown> {
  try {
    return await client.api.getVolume(assertName(name, 'volume')).inspect({ abortSignal: o.signal });
  } catch (e) {
    throw engineError(`Could not inspect volume ${name}`, e);
  }
}

export async function inspectNetworkRaw(client: DockerClient, name: string, o: Sig = {}): Promise<unknown> {
  try {
    const net = client.api.getNetwork(assertName(name, 'network'));
    // Its types take no options here; dockerode passes abortSignal on as for every other call.
    return await (net.inspect as unknown as (opts: { abortSignal?: AbortSignal }) => Promise<unknown>).call(
      net,
      {
        abortSignal: o.signal,
      },
    );
  } catch (e) {
    throw engineError(`Could not inspect network ${name}`, e);
  }
}

export async function createVolume(
  client: DockerClient,
  name: string,
  o: Sig & { labels?: Record<string, string> } = {},
): Promise<void> {
  try {
    await client.api.createVolume({
      Name: assertName(name, 'volume'),
      Labels: o.labels ?? {},
      abortSignal: o.signal,
    });
  } catch (e) {
    throw engineError(`Could not create volume ${name}`, e);
  }
}

export async function createNetwork(
  client: DockerClient,
  name: string,
  o: Sig & { internal?: boolean; subnet?: string; labels?: Record<string, string> } = {},
): Promise<void> {
  if (o.subnet && !/^[0-9a-f.:]+\/\d{1,3}$/i.test(o.subnet))
    throw new Error(`Not a subnet: ${JSON.stringify(o.subnet)}`);
  try {
    await client.api.createNetwork({
      Name: assertName(name, 'network'),
      Driver: 'bridge',
      Internal: !!o.internal,
      Labels: o.labels ?? {},
      CheckDuplicate: true,
      ...(o.subnet ? { IPAM: { Config: [{ Subnet: o.subnet }] } } : {}),
      abortSignal: o.signal,
    });
  } catch (e) {
    throw engineError(`Could not create network ${name}`, e);
  }
}

export async function removeVolume(
  client: DockerClient,
  name: string,
  o: Sig & { force?: boolean } = {},
): Promise<void> {
  try {
    await client.api
      .getVolume(assertName(name, 'volume'))
      .remove({ force: !!o.force, abortSignal: o.signal });
  } catch (e) {
    throw engineError(`Could not remove volume ${name}`, e);
  }
}

export async function removeNetwork(client: DockerClient, name: string, o: Sig = {}): Promise<void> {
  try {
    await client.api.getNetwork(assertName(name, 'network')).remove({ abortSignal: o.signal });
  } catch (e) {
    throw engineError(`Could not remove network ${name}`, e);
  }
}

export interface ResourcePruneResult {
  readonly removed: readonly string[];
  readonly spaceReclaimed: number;
}

/** Unused volumes; `labels` narrows it (`key=value`), as `--filter label=…`. */
export async function pruneVolumes(
  client: DockerClient,
  o: Sig & { labels?: string[] } = {},
): Promise<ResourcePruneResult> {
  try {
    // API < 1.42 (Docker 20.10, Podman 4) prunes every unused volume and knows no `all` filter.
    const filters: Record<string, string[]> = {};
    if (o.labels?.length) filters.label = o.labels;
    const r = (await (client.api.pruneVolumes as (o: unknown) => Promise<unknown>).call(client.api, {
      filters,
      abortSignal: o.signal,
    })) as { VolumesDeleted?: unknown; SpaceReclaimed?: unknown };
    return {
      removed: Array.isArray(r.VolumesDeleted)
        ? r.VolumesDeleted.filter((x): x is string => typeof x === 'string')
        : [],
      spaceReclaimed: typeof r.SpaceReclaimed === 'number' ? r.SpaceReclaimed : 0,
    };
  } catch (e) {
    throw engineError('Could not prune volumes', e);
  }
}

export async function pruneNetworks(
  client: DockerClient,
  o: Sig & { labels?: string[] } = {},
): Promise<ResourcePruneResult> {
  try {
    const opts: Record<string, unknown> = { abortSignal: o.signal };
    if (o.labels?.length) opts.filters = { label: o.labels };
    const r = (await (client.api.pruneNetworks as (o: unknown) => Promise<unknown>).call(
      client.api,
      opts,
    )) as {
      NetworksDeleted?: unknown;
    };
    return {
      removed: Array.isArray(r.NetworksDeleted)
        ? r.NetworksDeleted.filter((x): x is string => typeof x === 'string')
        : [],
      spaceReclaimed: 0,
    };
  } catch (e) {
    throw engineError('Could not prune networks', e);
  }
}
