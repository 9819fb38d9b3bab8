/**
 * The Docker Engine API through dockerode, for Docker and Podman alike. Every call takes an
 * optional AbortSignal; every failure becomes a UserError with the engine's own reason.
 */
import * as fs from 'fs';
import * as path from 'path';
import Dockerode from 'dockerode';
import type { Duplex, Readable } from 'stream';
import { PassThrough } from 'stream';
import { CancelledError, UserError, isCancelled } from '../../common/errors';
import { engineError } from './errors';
import { contextFiles } from './buildContext';
import type { Endpoint } from './discovery';
import { assertContainerRef } from './names';
import { parseImage, parseImageConfig, parseInspectedContainer, parseListedContainer } from './parse';
import { followJsonStream } from './imageOps';
import { parseSshUrl, sshAgent } from './sshAgent';
import { readTar } from './tar';
import type { ContainerInfo, ExecOptions, ExecResult, ImageConfig, ImageInfo } from './model';

export type EndpointAddress = Pick<Endpoint, 'host' | 'tlsDir' | 'tlsVerify' | 'sshConfig'>;

export function dockerodeOptions(ep: EndpointAddress): Dockerode.DockerOptions {
  const h = ep.host;
  if (h.startsWith('unix://')) return { socketPath: h.slice('unix://'.length) };
  if (h.startsWith('npipe://')) return { socketPath: h.slice('npipe://'.length) };
  const u = new URL(h);
  if (u.protocol === 'ssh:') {
    // Plain HTTP over our own ssh connections (see sshAgent.ts); the host name is only a header.
    const agent = sshAgent({ ...parseSshUrl(h), ...(ep.sshConfig ? { configFile: ep.sshConfig } : {}) });
    return { protocol: 'http', host: 'docker', port: 80, agent } as Dockerode.DockerOptions;
  }
  if (u.protocol !== 'tcp:' && u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new Error(`Unsupported Docker endpoint: ${h}`);
  const tls = ep.tlsVerify || u.protocol === 'https:';
  const opts: Dockerode.DockerOptions = {
    host: u.hostname,
    port: u.port ? Number(u.port) : tls ? 2376 : 2375,
    protocol: tls ? 'https' : 'http',
  };
  const dir = ep.tlsDir;
  if (tls && dir) {
    const read = (f: string) =>
      fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f)) : undefined;
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
  /** Each runtime's binary, when the engine says (`runsc` → /usr/bin/runsc). */
  readonly runtimePaths: Readonly<Record<string, string>>;
  /** Podman answers with its own product name in /version Components. */
  readonly podman: boolean;
  readonly ncpu: number;
  /** Bytes. */
  readonly memTotal: number;
}

/** An interactive exec (TTY): the terminal reads and writes `stream`, resizes, asks the exit code. */
export interface ExecSession {
  readonly stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
  /** Exit code once the session ended. */
  exitCode(): Promise<number | undefined>;
}

/** What to build: a context folder, a Dockerfile in it, a tag, build args, labels. */
export interface BuildRequest {
  readonly context: string;
  readonly dockerfile: string;
  readonly tag: string;
  readonly args: Readonly<Record<string, string>>;
  readonly target?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly noCache?: boolean;
}

/** Label selectors as `docker ps --filter label=…`: `true` means "has the label". */
export type LabelFilter = Readonly<Record<string, string | true>>;

function labelFilters(labels: LabelFilter): string[] {
  return Object.entries(labels).map(([k, v]) => (v === true ? k : `${k}=${v}`));
}

const status = (e: unknown): number | undefined => {
  const c = (e as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof c === 'number' ? c : undefined;
};

export interface PruneResult {
  readonly removed: readonly string[];
  readonly spaceReclaimed: number;
}

type Sig = { signal?: AbortSignal };

export class DockerClient {
  readonly api: Dockerode;
  constructor(readonly endpoint: EndpointAddress) {
    this.api = new Dockerode(dockerodeOptions(endpoint));
  }

  /** engineError with this engine's address (one wording for "cannot reach it"); cancels and UserErrors pass. */
  private fail(what: string, e: unknown): Error {
    if (isCancelled(e)) return e as Error;
    if ((e as { code?: unknown } | undefined)?.code === 'PODVISOR_USER_ERROR') return e as Error;
    return engineError(what, e, this.endpoint.host);
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
    let info: Record<string, unknown>;
    let version: Record<string, unknown>;
    try {
      [info, version] = await Promise.all([
        (this.api.info as (o: unknown) => Promise<Record<string, unknown>>).call(this.api, {
          abortSignal: o.signal,
        }),
        (this.api.version as unknown as (o: unknown) => Promise<Record<string, unknown>>).call(this.api, {
          abortSignal: o.signal,
        }),
      ]);
    } catch (e) {
      throw this.fail('Could not read the engine info', e);
    }
    const rt =
      typeof info.Runtimes === 'object' && info.Runtimes ? (info.Runtimes as Record<string, unknown>) : {};
    const runtimePaths: Record<string, string> = {};
    for (const [k, v] of Object.entries(rt)) {
      const p = (v as { path?: unknown } | null)?.path;
      if (typeof p === 'string') runtimePaths[k] = p;
    }
    const comps = Array.isArray(version.Components) ? (version.Components as Array<{ Name?: unknown }>) : [];
    return {
      name: typeof info.Name === 'string' ? info.Name : '',
      version: typeof version.Version === 'string' ? version.Version : '',
      os: typeof info.OperatingSystem === 'string' ? info.OperatingSystem : '',
      defaultRuntime: typeof info.DefaultRuntime === 'string' ? info.DefaultRuntime : 'runc',
      runtimes: Object.keys(rt),
      runtimePaths,
      podman: comps.some((c) => typeof c.Name === 'string' && /podman/i.test(c.Name)),
      ncpu: typeof info.NCPU === 'number' ? info.NCPU : 1,
      memTotal: typeof info.MemTotal === 'number' ? info.MemTotal : 0,
    };
  }

  /**
   * Every container (running or not), parsed; `runtimes` supplies what the list lacks (cached
   * from earlier inspects); `labels` narrows the list as `docker ps --filter label=…`.
   */
  async listContainers(
    o: Sig & { runtimes?: ReadonlyMap<string, string>; labels?: LabelFilter } = {},
  ): Promise<ContainerInfo[]> {
    let raw: unknown;
    try {
      raw = await this.api.listContainers({
        all: true,
        ...(o.labels ? { filters: JSON.stringify({ label: labelFilters(o.labels) }) } : {}),
        abortSignal: o.signal,
      } as Dockerode.ContainerListOptions);
    } catch (e) {
      throw this.fail('Could not list containers', e);
    }
    if (!Array.isArray(raw))
      throw this.fail('Could not list containers', new Error('the engine did not answer with a list'));
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
      throw this.fail(`Could not inspect container ${id.slice(0, 12)}`, e);
    }
  }

  /** Images (`all`: with intermediate layers), optionally only those with `labels`. */
  async listImages(o: Sig & { labels?: LabelFilter; all?: boolean } = {}): Promise<ImageInfo[]> {
    let raw: unknown;
    try {
      raw = await this.api.listImages({
        all: !!o.all,
        ...(o.labels ? { filters: JSON.stringify({ label: labelFilters(o.labels) }) } : {}),
        abortSignal: o.signal,
      } as Dockerode.ListImagesOptions);
    } catch (e) {
      throw this.fail('Could not list images', e);
    }
    if (!Array.isArray(raw))
      throw this.fail('Could not list images', new Error('the engine did not answer with a list'));
    return raw.map((x) => parseImage(x)).filter((x): x is ImageInfo => !!x);
  }

  async inspectImageRaw(id: string, o: Sig = {}): Promise<unknown> {
    try {
      return await this.api
        .getImage(imageRef(id))
        .inspect({ abortSignal: o.signal } as Dockerode.ImageInspectOptions);
    } catch (e) {
      throw this.fail(`Could not inspect image ${id}`, e);
    }
  }

  /** The parts of an image's config a sandbox needs; undefined when the engine has no such image. */
  async imageConfig(ref: string, o: Sig = {}): Promise<ImageConfig | undefined> {
    let raw: unknown;
    try {
      raw = await this.api
        .getImage(imageRef(ref))
        .inspect({ abortSignal: o.signal } as Dockerode.ImageInspectOptions);
    } catch (e) {
      if (status(e) === 404) return undefined;
      throw this.fail(`Could not inspect image ${ref}`, e);
    }
    const c = parseImageConfig(raw);
    if (!c) throw this.fail(`Could not inspect image ${ref}`, new Error('the engine answered no image id'));
    return c;
  }

  /** `missingOk`: an image that is already gone is not an error (cleanup). */
  async removeImage(id: string, o: Sig & { force?: boolean; missingOk?: boolean } = {}): Promise<void> {
    try {
      await this.api.getImage(imageRef(id)).remove({ force: !!o.force, abortSignal: o.signal });
    } catch (e) {
      if (o.missingOk && status(e) === 404) return;
      throw this.fail(`Could not remove image ${id}`, e);
    }
  }

  /**
   * `docker build` of a local folder; resolves with the image id. A failed classic build leaves
   * the images of its finished steps behind: those it printed and that did not exist before are
   * removed (the engine may be shared, so nothing else is).
   */
  async build(req: BuildRequest, o: Sig & { onLine?: (line: string) => void } = {}): Promise<string> {
    const onLine = o.onLine ?? (() => undefined);
    const src = contextFiles(req.context);
    if (!src.includes(req.dockerfile))
      throw new UserError(
        `Build: ${req.dockerfile} is excluded by .dockerignore or missing in ${req.context}`,
      );
    const before = new Set((await this.listImages({ all: true })).map((i) => i.id.replace(/^sha256:/, '')));
    const stepIds: string[] = [];
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.api.buildImage({ context: req.context, src }, {
        t: req.tag,
        dockerfile: req.dockerfile,
        buildargs: { ...req.args },
        labels: { ...req.labels },
        ...(req.target ? { target: req.target } : {}),
        nocache: req.noCache ?? false,
        rm: true,
        forcerm: true,
        abortSignal: o.signal,
      } as Dockerode.ImageBuildOptions);
    } catch (e) {
      throw this.fail('Build failed', e);
    }
    const onBuildLine = (l: string) => {
      const m = /^\s*---> ([0-9a-f]{12,64})\s*$/.exec(l);
      if (m?.[1]) stepIds.push(m[1]);
      onLine(l);
    };
    let aux: string | undefined;
    const onEvent = (x: Record<string, unknown>) => {
      const id = (x.aux as { ID?: unknown } | undefined)?.ID;
      if (typeof id === 'string') aux = id;
      const text =
        typeof x.stream === 'string' ? x.stream : typeof x.error === 'string' ? x.error : undefined;
      if (text) for (const l of text.split('\n')) if (l.trim()) onBuildLine(l.trimEnd());
    };
    try {
      await followJsonStream(stream as Readable, 'Build failed', onEvent, o.signal);
    } catch (e) {
      for (const id of stepIds.reverse()) {
        if ([...before].some((b) => b.startsWith(id))) continue;
        await this.removeImage(id, { missingOk: true }).catch(() => undefined);
      }
      throw e;
    }
    if (aux) return aux;
    const img = await this.imageConfig(req.tag);
    if (!img) throw new UserError(`Build finished but ${req.tag} is not on the engine`);
    return img.id;
  }

  /** POST /containers/create with a full create body (Config + HostConfig); resolves with the id. */
  async createContainer(name: string, body: Readonly<Record<string, unknown>>, o: Sig = {}): Promise<string> {
    try {
      const c = await this.api.createContainer({
        ...body,
        name,
        abortSignal: o.signal,
      });
      return c.id;
    } catch (e) {
      throw this.fail(`Could not create container ${name}`, e);
    }
  }

  /**
   * Runs `cmd` to its end without a TTY; stdout and stderr apart. `onOutput` sees both as they
   * come (a lifecycle hook's output in a terminal). Cancelling closes the stream; the process in
   * the container is the caller's to stop (dockerd keeps an exec running without its client).
   */
  async exec(
    id: string,
    x: ExecOptions,
    o: Sig & { onOutput?: (text: string, stream: 'stdout' | 'stderr') => void } = {},
  ): Promise<ExecResult> {
    const c = this.api.getContainer(assertContainerRef(id));
    let exec: Dockerode.Exec;
    let stream: Duplex;
    try {
      exec = await c.exec({
        Cmd: [...x.cmd],
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        ...(x.user ? { User: x.user } : {}),
        ...(x.workingDir ? { WorkingDir: x.workingDir } : {}),
        Env: Object.entries(x.env ?? {}).map(([k, v]) => `${k}=${v}`),
      });
      stream = await exec.start({ hijack: true, stdin: false });
    } catch (e) {
      throw this.fail(`Could not run ${x.cmd[0] ?? 'a command'} in ${id.slice(0, 12)}`, e);
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const onOutput = o.onOutput;
    const so = new PassThrough().on('data', (d: Buffer) => {
      out.push(d);
      onOutput?.(d.toString('utf8'), 'stdout');
    });
    const se = new PassThrough().on('data', (d: Buffer) => {
      err.push(d);
      onOutput?.(d.toString('utf8'), 'stderr');
    });
    this.api.modem.demuxStream(stream, so, se);
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        stream.destroy();
        reject(new CancelledError());
      };
      if (o.signal?.aborted) return onAbort();
      o.signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        o.signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', (e) => {
        o.signal?.removeEventListener('abort', onAbort);
        reject(this.fail(`Exec in ${id.slice(0, 12)}`, e));
      });
    });
    let code: number | undefined;
    try {
      const i = await exec.inspect();
      code = typeof i.ExitCode === 'number' ? i.ExitCode : undefined;
    } catch (e) {
      throw this.fail(`Exec in ${id.slice(0, 12)}`, e);
    }
    return {
      exitCode: code ?? -1,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
    };
  }

  /** An interactive exec with a TTY (a shell for a terminal), started at `cols`×`rows` when given. */
  async execInteractive(id: string, x: ExecOptions & { cols?: number; rows?: number }): Promise<ExecSession> {
    const c = this.api.getContainer(assertContainerRef(id));
    let exec: Dockerode.Exec;
    let stream: Duplex;
    try {
      exec = await c.exec({
        Cmd: [...x.cmd],
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: true,
        ...(x.user ? { User: x.user } : {}),
        ...(x.workingDir ? { WorkingDir: x.workingDir } : {}),
        Env: ['TERM=xterm-256color', ...Object.entries(x.env ?? {}).map(([k, v]) => `${k}=${v}`)],
      });
      stream = await exec.start({
        hijack: true,
        stdin: true,
        Tty: true,
        ...(x.cols && x.rows ? { ConsoleSize: [x.rows, x.cols] } : {}),
      });
    } catch (e) {
      throw this.fail(`Could not open a shell in ${id.slice(0, 12)}`, e);
    }
    return {
      stream,
      resize: async (cols, rows) => {
        if (cols > 0 && rows > 0) await exec.resize({ w: cols, h: rows }).catch(() => undefined);
      },
      exitCode: async () => {
        const i = await exec.inspect();
        return typeof i.ExitCode === 'number' ? i.ExitCode : undefined;
      },
    };
  }

  /** One file out of a container's filesystem (also of a created, never started one). */
  async readFile(id: string, file: string, o: Sig = {}): Promise<Buffer | undefined> {
    try {
      const s = (await this.api
        .getContainer(assertContainerRef(id))
        .getArchive({ path: file, abortSignal: o.signal })) as unknown as Readable;
      // The archive of one file: its first regular entry.
      let body: Buffer | undefined;
      await readTar(
        s,
        (e) => (body ? 'stop' : e.type === 'file' ? 'body' : 'skip'),
        (_e, b) => (body ??= b),
      );
      return body;
    } catch (e) {
      if (status(e) === 404) return undefined;
      throw this.fail(`Could not read ${file} in ${id.slice(0, 12)}`, e);
    }
  }

  /** Whether a path exists in a container's filesystem (HEAD of the archive endpoint). */
  async pathExists(id: string, file: string): Promise<boolean> {
    try {
      await this.api.getContainer(assertContainerRef(id)).infoArchive({ path: file });
      return true;
    } catch (e) {
      if (status(e) === 404) return false;
      throw this.fail(`Could not look for ${file} in ${id.slice(0, 12)}`, e);
    }
  }

  /** The container's filesystem as a tar stream (`docker export`). */
  async exportContainer(id: string, o: Sig = {}): Promise<Readable> {
    try {
      return (await this.api
        .getContainer(assertContainerRef(id))
        .export({ abortSignal: o.signal })) as unknown as Readable;
    } catch (e) {
      throw this.fail(`Could not export ${id.slice(0, 12)}`, e);
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
      throw this.fail(`Could not ${action} ${o.label ?? id.slice(0, 12)}`, e);
    }
  }

  async removeContainer(
    id: string,
    o: Sig & { force?: boolean; label?: string; volumes?: boolean } = {},
  ): Promise<void> {
    try {
      await this.api
        .getContainer(assertContainerRef(id))
        .remove({ force: !!o.force, v: !!o.volumes, abortSignal: o.signal });
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return;
      throw this.fail(`Could not remove ${o.label ?? id.slice(0, 12)}`, e);
    }
  }

  async renameContainer(id: string, newName: string, o: Sig = {}): Promise<void> {
    try {
      await this.api.getContainer(assertContainerRef(id)).rename({ name: newName, abortSignal: o.signal });
    } catch (e) {
      throw this.fail(`Could not rename to ${newName}`, e);
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
      throw this.fail('Could not prune containers', e);
    }
  }
}

/** Image ids (sha256:…) and references (repo[:tag], repo@digest) go into a URL path unescaped. */
function imageRef(ref: string): string {
  if (/^(sha256:)?[0-9a-f]{12,64}$/.test(ref) || /^[a-z0-9][a-z0-9._\-/:@]*$/i.test(ref)) return ref;
  throw new Error(`Not an image reference: ${JSON.stringify(ref)}`);
}
