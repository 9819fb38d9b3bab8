import * as fs from 'fs';
import * as path from 'path';
import { PassThrough, type Readable } from 'stream';
import Docker from 'dockerode';
import { UserError } from '../common/errors';
import type {
  ContainerEngine,
  ContainerSummary,
  EngineInfo,
  ExecOptions,
  ExecResult,
  ImageSummary,
  InteractiveSession,
} from './engine';
import { firstFileOfTar } from './tar';

/** `unix:///path`, `tcp://host:port`, or empty (DOCKER_HOST, then /var/run/docker.sock). */
export function resolveEndpoint(setting: string, env: NodeJS.ProcessEnv = process.env): string {
  return setting || env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

function dockerOptions(endpoint: string): Docker.DockerOptions {
  if (endpoint.startsWith('unix://')) return { socketPath: endpoint.slice('unix://'.length) };
  const m = /^tcp:\/\/([^:/]+)(?::(\d+))?\/?$/.exec(endpoint);
  if (m) return { host: m[1], port: Number(m[2] ?? 2375), protocol: 'http' };
  throw new UserError(`Unsupported engine endpoint ${endpoint} (use unix:///… or tcp://host:port)`);
}

/** The engine's own reason from a dockerode error (`(HTTP code 404) no such image - …`). */
export function engineReason(e: unknown): string {
  const x = e as { json?: { message?: unknown }; message?: unknown; reason?: unknown; statusCode?: unknown };
  if (x?.json && typeof x.json.message === 'string') return x.json.message;
  if (typeof x?.message === 'string') return x.message.replace(/^\(HTTP code \d+\)\s*[a-z ]*-\s*/, '');
  return String(e);
}

function statusOf(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown })?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

function labelFilters(labels: Readonly<Record<string, string | true>>): string {
  return JSON.stringify({ label: Object.entries(labels).map(([k, v]) => (v === true ? k : `${k}=${v}`)) });
}

function parsePorts(raw: unknown): ContainerSummary['ports'] {
  if (!Array.isArray(raw)) return [];
  const out: Array<{ container: number; host: number; hostIp: string; protocol: string }> = [];
  for (const p of raw as Array<Record<string, unknown>>) {
    if (typeof p.PrivatePort !== 'number') continue;
    out.push({
      container: p.PrivatePort,
      host: typeof p.PublicPort === 'number' ? p.PublicPort : 0,
      hostIp: typeof p.IP === 'string' ? p.IP : '',
      protocol: typeof p.Type === 'string' ? p.Type : 'tcp',
    });
  }
  return out;
}

function strRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** Reads a JSON-lines progress stream (pull/build); rejects with the engine's error line. */
function followStream(
  stream: NodeJS.ReadableStream,
  onLine: (s: string) => void,
  signal?: AbortSignal,
): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const events: Array<Record<string, unknown>> = [];
    let buf = '';
    let failed: string | undefined;
    const onAbort = () => {
      (stream as unknown as { destroy?: (e?: Error) => void }).destroy?.();
      reject(Object.assign(new Error('Cancelled'), { name: 'AbortError' }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const handle = (line: string) => {
      if (!line.trim()) return;
      let ev: Record<string, unknown>;
      try {
        ev = JSON.parse(line) as Record<string, unknown>;
      } catch {
        onLine(line);
        return;
      }
      events.push(ev);
      if (typeof ev.error === 'string') failed = ev.error;
      const text =
        typeof ev.stream === 'string'
          ? ev.stream
          : typeof ev.status === 'string'
            ? `${ev.status}${typeof ev.progress === 'string' ? ' ' + ev.progress : ''}`
            : typeof ev.error === 'string'
              ? ev.error
              : undefined;
      if (text) for (const l of text.split('\n')) if (l.trim()) onLine(l.trimEnd());
    };
    stream.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        handle(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    stream.on('end', () => {
      signal?.removeEventListener('abort', onAbort);
      handle(buf);
      if (failed) reject(new UserError(failed.trim()));
      else resolve(events);
    });
    stream.on('error', (e: Error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
  });
}

/** Relative paths of every file under `dir`, minus what .dockerignore excludes (simple patterns). */
function contextFiles(dir: string): string[] {
  const ignore: RegExp[] = [];
  const di = path.join(dir, '.dockerignore');
  if (fs.existsSync(di)) {
    for (const line of fs.readFileSync(di, 'utf8').split('\n')) {
      const p = line.trim();
      if (!p || p.startsWith('#') || p.startsWith('!')) continue;
      const re = p
        .replace(/^\/+/, '')
        .replace(/\/+$/, '')
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*/g, '\u0000')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')
        .replace(/\u0000/g, '.*');
      ignore.push(new RegExp(`^${re}(/|$)`));
    }
  }
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((f) => f.split(path.sep).join('/'))
    .filter((f) => !ignore.some((re) => re.test(f)))
    .filter((f) => {
      try {
        return !fs.lstatSync(path.join(dir, f)).isDirectory();
      } catch {
        return false;
      }
    });
}

export class DockerodeEngine implements ContainerEngine {
  private readonly docker: Docker;

  constructor(readonly endpoint: string) {
    this.docker = new Docker(dockerOptions(endpoint));
  }

  private async call<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (
        (e as { name?: string }).name === 'AbortError' ||
        (e as { code?: string }).code === 'PODVISOR_USER_ERROR'
      )
        throw e;
      const code = (e as { code?: string }).code;
      if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES') {
        throw new UserError(
          `Failed to connect to the container engine at ${this.endpoint} (${code}). Is Docker running?`,
        );
      }
      throw new UserError(`${what}: ${engineReason(e)}`);
    }
  }

  async info(signal?: AbortSignal): Promise<EngineInfo> {
    const i = (await this.call('Engine info', () =>
      (this.docker.info as (o: object) => Promise<unknown>).call(this.docker, { abortSignal: signal }),
    )) as Record<string, unknown>;
    const runtimes: Record<string, { path?: string }> = {};
    if (i.Runtimes && typeof i.Runtimes === 'object') {
      for (const [k, v] of Object.entries(i.Runtimes as Record<string, unknown>)) {
        const p = (v as { path?: unknown })?.path;
        runtimes[k] = typeof p === 'string' ? { path: p } : {};
      }
    }
    return {
      runtimes,
      defaultRuntime: typeof i.DefaultRuntime === 'string' ? i.DefaultRuntime : 'runc',
      ncpu: typeof i.NCPU === 'number' ? i.NCPU : 1,
      memTotal: typeof i.MemTotal === 'number' ? i.MemTotal : 0,
    };
  }

  async inspectImage(ref: string, signal?: AbortSignal): Promise<ImageSummary | undefined> {
    try {
      const image = this.docker.getImage(ref);
      const i = (await (image.inspect as (o: object) => Promise<unknown>).call(image, {
        abortSignal: signal,
      })) as Record<string, unknown>;
      const cfg = (i.Config ?? {}) as Record<string, unknown>;
      return {
        id: String(i.Id),
        user: typeof cfg.User === 'string' ? cfg.User : '',
        env: Array.isArray(cfg.Env) ? cfg.Env.filter((x): x is string => typeof x === 'string') : [],
        workingDir: typeof cfg.WorkingDir === 'string' ? cfg.WorkingDir : '',
        labels: strRecord(cfg.Labels),
      };
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      return this.call('Image inspect', () => Promise.reject(e));
    }
  }

  async pull(ref: string, signal: AbortSignal | undefined, onLine: (s: string) => void): Promise<void> {
    const stream = await this.call(
      `Pull ${ref}`,
      () => this.docker.pull(ref, { abortSignal: signal }) as Promise<NodeJS.ReadableStream>,
    );
    await followStream(stream, onLine, signal).catch((e: unknown) => {
      if ((e as { code?: string }).code === 'PODVISOR_USER_ERROR')
        throw new UserError(`Pull ${ref}: ${(e as Error).message}`);
      throw e;
    });
  }

  async build(
    o: {
      context: string;
      dockerfile: string;
      tag: string;
      args: Readonly<Record<string, string>>;
      target?: string;
      labels: Readonly<Record<string, string>>;
      noCache?: boolean;
    },
    signal: AbortSignal | undefined,
    onLine: (s: string) => void,
  ): Promise<string> {
    const src = contextFiles(o.context);
    if (!src.includes(o.dockerfile))
      throw new UserError(`Build: ${o.dockerfile} is excluded by .dockerignore or missing in ${o.context}`);
    // Images a failed classic build leaves behind (its finished steps) are removed, but only
    // ones this build printed and that did not exist before: the engine may be shared.
    const before = new Set(
      (await this.call('List images', () => this.docker.listImages({ all: true }))).map((i) =>
        i.Id.replace(/^sha256:/, ''),
      ),
    );
    const stepIds: string[] = [];
    const onBuildLine = (l: string) => {
      const id = /^\s*---> ([0-9a-f]{12,64})\s*$/.exec(l)?.[1];
      if (id) stepIds.push(id);
      onLine(l);
    };
    const stream = await this.call(
      'Build',
      () =>
        this.docker.buildImage({ context: o.context, src }, {
          t: o.tag,
          dockerfile: o.dockerfile,
          buildargs: o.args as Record<string, string>,
          labels: o.labels as Record<string, string>,
          ...(o.target ? { target: o.target } : {}),
          nocache: o.noCache ?? false,
          rm: true,
          forcerm: true,
          abortSignal: signal,
        } as Docker.ImageBuildOptions) as Promise<NodeJS.ReadableStream>,
    );
    const events = await followStream(stream, onBuildLine, signal).catch(async (e: unknown) => {
      for (const id of stepIds.reverse()) {
        if ([...before].some((b) => b.startsWith(id))) continue;
        await this.docker
          .getImage(id)
          .remove({ noprune: false })
          .catch(() => undefined);
      }
      if ((e as { code?: string }).code === 'PODVISOR_USER_ERROR')
        throw new UserError(`Build failed: ${(e as Error).message}`);
      throw e;
    });
    const aux = events
      .map((e) => (e.aux as { ID?: unknown } | undefined)?.ID)
      .find((x) => typeof x === 'string');
    if (typeof aux === 'string') return aux;
    const img = await this.inspectImage(o.tag);
    if (!img) throw new UserError(`Build finished but ${o.tag} is not on the engine`);
    return img.id;
  }

  async removeImage(ref: string): Promise<void> {
    try {
      await this.docker.getImage(ref).remove({ force: true });
    } catch (e) {
      if (statusOf(e) !== 404) throw new UserError(`Remove image ${ref}: ${engineReason(e)}`);
    }
  }

  async create(
    o: { name: string; image: string; body: Record<string, unknown> },
    signal?: AbortSignal,
  ): Promise<string> {
    const c = await this.call('Create container', () =>
      this.docker.createContainer({
        ...o.body,
        name: o.name,
        Image: o.image,
        abortSignal: signal,
      } as Docker.ContainerCreateOptions),
    );
    return c.id;
  }

  async start(id: string, signal?: AbortSignal): Promise<void> {
    await this.call('Start container', () => this.docker.getContainer(id).start({ abortSignal: signal }));
  }

  async stop(id: string, timeoutS = 5): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: timeoutS });
    } catch (e) {
      const s = statusOf(e);
      if (s !== 304 && s !== 404) throw new UserError(`Stop container: ${engineReason(e)}`);
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (e) {
      if (statusOf(e) !== 404) throw new UserError(`Remove container: ${engineReason(e)}`);
    }
  }

  async inspect(id: string): Promise<ContainerSummary | undefined> {
    const all = await this.call('List containers', () =>
      this.docker.listContainers({ all: true, filters: JSON.stringify({ id: [id] }) }),
    );
    const c = all.find((x) => x.Id === id || x.Id.startsWith(id));
    return c ? this.summary(c as unknown as Record<string, unknown>) : undefined;
  }

  async list(labels: Readonly<Record<string, string | true>>): Promise<ContainerSummary[]> {
    const all = await this.call('List containers', () =>
      this.docker.listContainers({ all: true, filters: labelFilters(labels) }),
    );
    return all.map((c) => this.summary(c as unknown as Record<string, unknown>));
  }

  async listImages(
    labels: Readonly<Record<string, string | true>>,
  ): Promise<Array<{ id: string; tags: string[]; labels: Record<string, string> }>> {
    const all = await this.call('List images', () =>
      this.docker.listImages({ filters: labelFilters(labels) }),
    );
    return all.map((i) => ({
      id: i.Id,
      tags: Array.isArray(i.RepoTags) ? i.RepoTags : [],
      labels: strRecord(i.Labels),
    }));
  }

  private summary(c: Record<string, unknown>): ContainerSummary {
    const names = Array.isArray(c.Names)
      ? (c.Names as unknown[]).filter((x): x is string => typeof x === 'string')
      : [];
    return {
      id: String(c.Id),
      name: (names[0] ?? '').replace(/^\//, ''),
      state: typeof c.State === 'string' ? c.State : 'unknown',
      labels: strRecord(c.Labels),
      ports: parsePorts(c.Ports),
      image: typeof c.Image === 'string' ? c.Image : '',
      created: typeof c.Created === 'number' ? c.Created : 0,
    };
  }

  async exec(id: string, o: ExecOptions, signal?: AbortSignal): Promise<ExecResult> {
    const exec = await this.call('Exec', () =>
      this.docker.getContainer(id).exec({
        Cmd: [...o.cmd],
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        ...(o.user ? { User: o.user } : {}),
        ...(o.workingDir ? { WorkingDir: o.workingDir } : {}),
        Env: Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`),
      }),
    );
    const stream = await this.call('Exec start', () => exec.start({ hijack: true, stdin: false }));
    const out = new PassThrough();
    const err = new PassThrough();
    const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
    out.on('data', (d: Buffer) => chunks.out.push(d));
    err.on('data', (d: Buffer) => chunks.err.push(d));
    this.docker.modem.demuxStream(stream, out, err);
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        stream.destroy();
        reject(Object.assign(new Error('Cancelled'), { name: 'AbortError' }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('end', () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      stream.on('close', () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      stream.on('error', reject);
    });
    const info = await this.call('Exec inspect', () => exec.inspect());
    return {
      exitCode: typeof info.ExitCode === 'number' ? info.ExitCode : -1,
      stdout: Buffer.concat(chunks.out).toString('utf8'),
      stderr: Buffer.concat(chunks.err).toString('utf8'),
    };
  }

  async execInteractive(
    id: string,
    o: ExecOptions & { cols?: number; rows?: number },
  ): Promise<InteractiveSession> {
    const exec = await this.call('Exec', () =>
      this.docker.getContainer(id).exec({
        Cmd: [...o.cmd],
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: true,
        ...(o.user ? { User: o.user } : {}),
        ...(o.workingDir ? { WorkingDir: o.workingDir } : {}),
        Env: ['TERM=xterm-256color', ...Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`)],
      }),
    );
    const stream = await this.call('Exec start', () =>
      exec.start({
        hijack: true,
        stdin: true,
        Tty: true,
        ...(o.cols && o.rows ? { ConsoleSize: [o.rows, o.cols] } : {}),
      } as Docker.ExecStartOptions),
    );
    return {
      stream,
      resize: async (cols, rows) => {
        try {
          await exec.resize({ w: cols, h: rows });
        } catch {
          /* the session may be gone; a resize is best-effort */
        }
      },
      exitCode: async () => {
        const i = await exec.inspect();
        return typeof i.ExitCode === 'number' ? i.ExitCode : undefined;
      },
    };
  }

  async readFile(id: string, file: string): Promise<Buffer | undefined> {
    try {
      const s = (await this.docker.getContainer(id).getArchive({ path: file })) as unknown as Readable;
      const chunks: Buffer[] = [];
      for await (const c of s) chunks.push(c as Buffer);
      return firstFileOfTar(Buffer.concat(chunks));
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw new UserError(`Read ${file}: ${engineReason(e)}`);
    }
  }

  async pathExists(id: string, file: string): Promise<boolean> {
    try {
      await this.docker.getContainer(id).infoArchive({ path: file });
      return true;
    } catch (e) {
      if (statusOf(e) === 404) return false;
      throw new UserError(`Stat ${file}: ${engineReason(e)}`);
    }
  }

  async exportFs(id: string, signal?: AbortSignal): Promise<Readable> {
    return (await this.call('Export', () =>
      this.docker.getContainer(id).export({ abortSignal: signal }),
    )) as unknown as Readable;
  }
}
