/**
 * The Docker Engine API through dockerode, for Docker and Podman alike. Every call takes an
 * optional AbortSignal; every failure becomes a UserError with the engine's own reason.
 */
import * as fs from 'fs';
import * as path from 'path';
import Dockerode from 'dockerode';
import type { Endpoint } from './discovery';
import { engineError } from './errors';
import { assertContainerRef } from './names';
import { parseImage, parseInspectedContainer, parseListedContainer } from './parse';
import type { ContainerInfo, ImageInfo } from './model';

export function dockerodeOptions(
  ep: Pick<Endpoint, 'host' | 'tlsDir' | 'tlsVerify'>,
): Dockerode.DockerOptions {
  const h = ep.host;
  if (h.startsWith('unix://')) return { socketPath: h.slice('unix://'.length) };
  if (h.startsWith('npipe://')) return { socketPath: h.slice('npipe://'.length) };
  const u = new URL(h);
  if (u.protocol === 'ssh:') {
    return {
      protocol: 'ssh',
      host: u.hostname,
      port: u.port ? Number(u.port) : 22,
      username: u.username || undefined,
    } as Dockerode.DockerOptions;
  }
  if (u.protocol !== 'tcp:' && u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new Error(`Unsupported Docker endpoint: ${h}`);
  const tls = ep.tlsVerify || u.protocol === 'https:';
  const opts: Dockerode.DockerOptions = {
    host: u.hostname,
    port: u.port ? Number(u.port) : tls ? 2376 : 2375,
    protocol: tls ? 'https' : 'http',
  };
  if (tls && ep.tlsDir) {
    const read = (f: string) =>
      fs.existsSync(path.join(ep.tlsDir!, f)) ? fs.readFileSync(path.join(ep.tlsDir!, f)) : undefined;
    Object.assign(opts, { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') });
  }
  return opts;
}

export interface EngineInfo {
  readonly name: string;
  readonly version: string;
  readonly os: string;
  readonly defaultRuntime: string;
  readonly runtimes: readonly string[];
  /** Podman answers with its own product name in /version Components. */
  readonly podman: boolean;
}

export interface PruneResult {
  readonly removed: readonly string[];
  readonly spaceReclaimed: number;
}

type Sig = { signal?: AbortSignal };

export class DockerClient {
  readonly api: Dockerode;
  constructor(readonly endpoint: Pick<Endpoint, 'host' | 'tlsDir' | 'tlsVerify'>) {
    this.api = new Dockerode(dockerodeOptions(endpoint));
  }

  async ping(o: Sig & { timeoutMs?: number } = {}): Promise<void> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), o.timeoutMs ?? 3000);
    const onAbort = () => ac.abort();
    o.signal?.addEventListener('abort', onAbort);
    try {
      await (this.api.ping as (o: unknown) => Promise<unknown>).call(this.api, { abortSignal: ac.signal });
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    }
  }

  async info(o: Sig = {}): Promise<EngineInfo> {
    const [info, version] = await Promise.all([
      (this.api.info as (o: unknown) => Promise<Record<string, unknown>>).call(this.api, {
        abortSignal: o.signal,
      }),
      (this.api.version as unknown as (o: unknown) => Promise<Record<string, unknown>>).call(this.api, {
        abortSignal: o.signal,
      }),
    ]);
    const runtimes = typeof info.Runtimes === 'object' && info.Runtimes ? Object.keys(info.Runtimes) : [];
    const comps = Array.isArray(version.Components) ? (version.Components as Array<{ Name?: unknown }>) : [];
    return {
      name: typeof info.Name === 'string' ? info.Name : '',
      version: typeof version.Version === 'string' ? version.Version : '',
      os: typeof info.OperatingSystem === 'string' ? info.OperatingSystem : '',
      defaultRuntime: typeof info.DefaultRuntime === 'string' ? info.DefaultRuntime : 'runc',
      runtimes,
      podman: comps.some((c) => typeof c.Name === 'string' && /podman/i.test(c.Name)),
    };
  }

  /** Raw list, parsed; `runtimes` supplies what the list lacks (cached from earlier inspects). */
  async listContainers(o: Sig & { runtimes?: ReadonlyMap<string, string> } = {}): Promise<ContainerInfo[]> {
    let raw: unknown;
    try {
      raw = await this.api.listContainers({
        all: true,
        abortSignal: o.signal,
      } as Dockerode.ContainerListOptions);
    } catch (e) {
      throw engineError('Could not list containers', e);
    }
    if (!Array.isArray(raw))
      throw engineError('Could not list containers', new Error('the engine did not answer with a list'));
    const out: ContainerInfo[] = [];
    for (const x of raw) {
      const id = (x as { Id?: unknown }).Id;
      const c = parseListedContainer(x, typeof id === 'string' ? o.runtimes?.get(id) : undefined);
      if (c) out.push(c);
    }
    return out;
  }

  /** Undefined when the container no longer exists (404). */
  async inspectContainer(id: string, o: Sig = {}): Promise<ContainerInfo | undefined> {
    const raw = await this.inspectContainerRaw(id, o);
    return raw === undefined ? undefined : parseInspectedContainer(raw);
  }

  async inspectContainerRaw(id: string, o: Sig = {}): Promise<unknown> {
    try {
      return await this.api
        .getContainer(assertContainerRef(id))
        .inspect({ abortSignal: o.signal } as Dockerode.ContainerInspectOptions);
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw engineError(`Could not inspect container ${id.slice(0, 12)}`, e);
    }
  }

  async listImages(o: Sig = {}): Promise<ImageInfo[]> {
    let raw: unknown;
    try {
      raw = await this.api.listImages({ all: false, abortSignal: o.signal } as Dockerode.ListImagesOptions);
    } catch (e) {
      throw engineError('Could not list images', e);
    }
    if (!Array.isArray(raw))
      throw engineError('Could not list images', new Error('the engine did not answer with a list'));
    return raw.map((x) => parseImage(x)).filter((x): x is ImageInfo => !!x);
  }

  async inspectImageRaw(id: string, o: Sig = {}): Promise<unknown> {
    try {
      return await this.api.getImage(imageRef(id)).inspect({ abortSignal: o.signal } as never);
    } catch (e) {
      throw engineError(`Could not inspect image ${id}`, e);
    }
  }

  async removeImage(id: string, o: Sig & { force?: boolean } = {}): Promise<void> {
    try {
      await this.api.getImage(imageRef(id)).remove({ force: !!o.force, abortSignal: o.signal } as never);
    } catch (e) {
      throw engineError(`Could not remove image ${id}`, e);
    }
  }

  /** start | stop | restart | pause | unpause, with the container's label for messages. */
  async containerAction(
    action: 'start' | 'stop' | 'restart' | 'pause' | 'unpause' | 'kill',
    id: string,
    o: Sig & { label?: string; timeoutS?: number } = {},
  ): Promise<void> {
    const c = this.api.getContainer(assertContainerRef(id));
    const opts: Record<string, unknown> = { abortSignal: o.signal };
    if ((action === 'stop' || action === 'restart') && o.timeoutS !== undefined) opts.t = o.timeoutS;
    try {
      await (c[action] as (opts: unknown) => Promise<unknown>).call(c, opts);
    } catch (e) {
      // 304: already in that state (start of a running one, stop of a stopped one): not an error.
      if ((e as { statusCode?: number }).statusCode === 304) return;
      throw engineError(`Could not ${action} ${o.label ?? id.slice(0, 12)}`, e);
    }
  }

  async removeContainer(
    id: string,
    o: Sig & { force?: boolean; label?: string; volumes?: boolean } = {},
  ): Promise<void> {
    try {
      await this.api
        .getContainer(assertContainerRef(id))
        .remove({ force: !!o.force, v: !!o.volumes, abortSignal: o.signal } as never);
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return;
      throw engineError(`Could not remove ${o.label ?? id.slice(0, 12)}`, e);
    }
  }

  async renameContainer(id: string, newName: string, o: Sig = {}): Promise<void> {
    try {
      await this.api
        .getContainer(assertContainerRef(id))
        .rename({ name: newName, abortSignal: o.signal } as never);
    } catch (e) {
      throw engineError(`Could not rename to ${newName}`, e);
    }
  }

  /** `labels` narrows what is pruned (`key=value`), as `docker container prune --filter label=…`. */
  async pruneContainers(o: Sig & { labels?: string[] } = {}): Promise<PruneResult> {
    try {
      const opts: Record<string, unknown> = { abortSignal: o.signal };
      if (o.labels?.length) opts.filters = { label: o.labels };
      const r = (await (this.api.pruneContainers as (o: unknown) => Promise<unknown>).call(
        this.api,
        opts,
      )) as { ContainersDeleted?: unknown; SpaceReclaimed?: unknown };
      return {
        removed: Array.isArray(r.ContainersDeleted)
          ? r.ContainersDeleted.filter((x): x is string => typeof x === 'string')
          : [],
        spaceReclaimed: typeof r.SpaceReclaimed === 'number' ? r.SpaceReclaimed : 0,
      };
    } catch (e) {
      throw engineError('Could not prune containers', e);
    }
  }
}

/** Image ids (sha256:…) and references (repo[:tag], repo@digest) go into a URL path unescaped. */
function imageRef(ref: string): string {
  if (/^(sha256:)?[0-9a-f]{12,64}$/.test(ref) || /^[a-z0-9][a-z0-9._\-/:@]*$/i.test(ref)) return ref;
  throw new Error(`Not an image reference: ${JSON.stringify(ref)}`);
}
