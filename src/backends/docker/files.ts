/**
 * A container's files through the Engine API archive endpoints (what `docker cp` uses): stat is
 * HEAD /archive (the X-Docker-Container-Path-Stat header), a listing or a read is GET /archive
 * (a tar, read as a stream), a write is PUT /archive with a one-entry tar. These work on stopped
 * containers too, and on gVisor ones (the engine reads the container's root from the host side).
 * Deleting and renaming have no archive endpoint: they run `rm`/`mv` in the container (running only).
 */
import type { IncomingMessage } from 'http';
import * as path from 'path';
import type { Readable } from 'stream';
import { UserError } from '../../common/errors';
import type { DockerClient } from './client';
import { engineErrorInfo } from './errors';
import { assertContainerRef } from './names';
import { execList, execRead, execRun, execStat, execWrite } from './execFiles';
import { readTar, writeTar, type EntryType } from './tar';
import { isolationOfRuntime } from '../types';

export interface FileStat {
  readonly name: string;
  readonly type: EntryType;
  readonly size: number;
  /** Permission bits (0o777 and setuid/gid/sticky). */
  readonly mode: number;
  /** Unix ms. */
  readonly mtime: number;
  readonly linkTarget: string;
}

export interface DirEntry {
  readonly name: string;
  readonly type: EntryType;
  readonly size: number;
  /** Where a symlink points (as stored), for the caller to stat when it needs the target's type. */
  readonly linkTarget: string;
}

export interface FileContent {
  readonly data: Buffer;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** Why a file operation failed, as FileSystemProvider errors distinguish it. */
export type FileErrorKind =
  'not-found' | 'exists' | 'not-a-directory' | 'is-a-directory' | 'no-permissions' | 'unavailable' | 'other';

export class ContainerFileError extends UserError {
  constructor(
    message: string,
    readonly kind: FileErrorKind,
  ) {
    super(message);
  }
}

type Sig = { signal?: AbortSignal };

/** Bit `n` of a Go os.FileMode (its type bits are above 32-bit integer range for bitwise ops). */
const bit = (mode: number, n: number) => Math.floor(mode / 2 ** n) % 2 === 1;

function typeOfGoMode(mode: number): EntryType {
  if (bit(mode, 31)) return 'directory';
  if (bit(mode, 27)) return 'symlink';
  // device, named pipe, socket, char device, irregular
  if ([26, 25, 24, 21, 19].some((n) => bit(mode, n))) return 'other';
  return 'file';
}

/** Container paths are absolute, normalised, without NUL; `..` cannot climb above `/`. */
export function containerPath(p: string): string {
  if (p.includes('\0')) throw new ContainerFileError(`Not a path: ${JSON.stringify(p)}`, 'other');
  const n = path.posix.normalize(`/${p}`);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

function statOfHeader(header: string | string[] | undefined, p: string): FileStat {
  if (typeof header !== 'string' || !header)
    throw new ContainerFileError(`No file information for ${p}`, 'other');
  let x: { name?: unknown; size?: unknown; mode?: unknown; mtime?: unknown; linkTarget?: unknown };
  try {
    x = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as typeof x;
  } catch {
    throw new ContainerFileError(`Unreadable file information for ${p}`, 'other');
  }
  const mode = typeof x.mode === 'number' ? x.mode : 0;
  const t = typeof x.mtime === 'string' ? Date.parse(x.mtime) : NaN;
  return {
    name: typeof x.name === 'string' ? x.name : path.posix.basename(p),
    type: typeOfGoMode(mode),
    size: typeof x.size === 'number' ? x.size : 0,
    mode: mode % 0o10000,
    mtime: Number.isFinite(t) ? t : 0,
    linkTarget: typeof x.linkTarget === 'string' ? x.linkTarget : '',
  };
}

export class ContainerFiles {
  /** id → whether its files must go through exec (a running gVisor sandbox). */
  private readonly modes = new Map<string, { exec: boolean; running: boolean; gvisor: boolean }>();

  constructor(readonly client: DockerClient) {}

  /** 'exec' for a running gVisor container (its root lives in the sandbox), else 'archive'. */
  async transport(id: string, o: Sig = {}): Promise<{ exec: boolean; running: boolean }> {
    // A runtime never changes: a non-gVisor container is archive-only for good. A gVisor one is
    // asked each time (stopped, its root is readable from the host side again).
    const hit = this.modes.get(id);
    if (hit && !hit.gvisor) return hit;
    let info: { State?: { Running?: boolean }; HostConfig?: { Runtime?: string } };
    try {
      info = (await (this.container(id).inspect({
        abortSignal: o.signal,
      } as never) as unknown as Promise<unknown>)) as typeof info;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404)
        throw new ContainerFileError(`Container ${id.slice(0, 12)} no longer exists`, 'unavailable');
      throw this.fail('reach', id.slice(0, 12), e);
    }
    const running = info.State?.Running === true;
    const gvisor = isolationOfRuntime(info.HostConfig?.Runtime) === 'gvisor';
    const m = { exec: running && gvisor, running, gvisor };
    this.modes.set(id, m);
    return m;
  }

  /** An exec-transport failure in the tool's words, classified like the engine's. */
  private execFail(what: string, p: string, e: unknown): ContainerFileError {
    const text = e instanceof Error ? e.message : String(e);
    const kind: FileErrorKind = /no such file/i.test(text)
      ? 'not-found'
      : /permission denied|read-only|not permitted/i.test(text)
        ? 'no-permissions'
        : /is a directory/i.test(text)
          ? 'is-a-directory'
          : /not a directory/i.test(text)
            ? 'not-a-directory'
            : 'other';
    return new ContainerFileError(`Could not ${what} ${p}: ${text}`, kind);
  }

  private container(id: string) {
    return this.client.api.getContainer(assertContainerRef(id));
  }

  /** The engine's error as a FileSystemProvider-shaped one, with the engine's own words. */
  private fail(what: string, p: string, e: unknown): ContainerFileError {
    if (e instanceof ContainerFileError) return e;
    const info = engineErrorInfo(e);
    const r = info.reason;
    let kind: FileErrorKind = 'other';
    if (info.unreachable) kind = 'unavailable';
    else if (info.statusCode === 404 && /no such container/i.test(r)) kind = 'unavailable';
    else if (info.statusCode === 404 || /no such file|could not find the file/i.test(r)) kind = 'not-found';
    else if (/read-only|permission denied|operation not permitted/i.test(r)) kind = 'no-permissions';
    else if (/not a directory/i.test(r)) kind = 'not-a-directory';
    else if (/is a directory/i.test(r)) kind = 'is-a-directory';
    const reason =
      info.statusCode === 404 && kind === 'not-found' && /^no such container$/i.test(r) ? 'no such file' : r;
    return new ContainerFileError(`Could not ${what} ${p}: ${reason}`, kind);
  }

  async stat(id: string, p: string, o: Sig = {}): Promise<FileStat> {
    const cp = containerPath(p);
    if ((await this.transport(id, o)).exec) {
      const st = await execStat(this.client, id, cp, o.signal).catch((e) => {
        throw this.execFail('read', cp, e);
      });
      if (!st) throw new ContainerFileError(`${cp}: no such file or directory`, 'not-found');
      return {
        name: path.posix.basename(cp),
        type: st.type,
        size: st.size,
        mode: 0,
        mtime: 0,
        linkTarget: st.linkTarget,
      };
    }
    let res: IncomingMessage;
    try {
      res = (await this.container(id).infoArchive({
        path: cp,
        abortSignal: o.signal,
      })) as IncomingMessage; // typed any: the raw response, whose headers carry the stat
    } catch (e) {
      // HEAD has no body: docker-modem says "no such container" for every 404; tell them apart.
      if ((e as { statusCode?: number }).statusCode === 404) {
        const exists = await this.container(id)
          .inspect()
          .then(() => true)
          .catch(() => false);
        if (exists) throw new ContainerFileError(`${cp}: no such file or directory`, 'not-found');
        throw new ContainerFileError(`Container ${id.slice(0, 12)} no longer exists`, 'unavailable');
      }
      throw this.fail('read', cp, e);
    }
    res.resume();
    return statOfHeader(res.headers['x-docker-container-path-stat'], cp);
  }

  private async archive(id: string, p: string, o: Sig): Promise<Readable> {
    try {
      return (await this.container(id).getArchive({
        path: p,
        abortSignal: o.signal,
      })) as unknown as Readable;
    } catch (e) {
      throw this.fail('read', p, e);
    }
  }

  /** The entries directly inside `dir` (the engine sends the whole subtree; only headers are kept). */
  async list(id: string, dir: string, o: Sig = {}): Promise<DirEntry[]> {
    const cp = containerPath(dir);
    const st = await this.stat(id, cp, o);
    if (st.type !== 'directory') {
      if (st.type === 'symlink')
        return this.list(id, path.posix.resolve(path.posix.dirname(cp), st.linkTarget), o);
      throw new ContainerFileError(`${cp} is not a folder`, 'not-a-directory');
    }
    if ((await this.transport(id, o)).exec) {
      const list = await execList(this.client, id, cp, o.signal).catch((e) => {
        throw this.execFail('list', cp, e);
      });
      return list
        .map((e) => ({ ...e, size: 0, linkTarget: '' }))
        .sort((a, b) => a.name.localeCompare(b.name));
    }
    const stream = await this.archive(id, cp, o);
    const out: DirEntry[] = [];
    let root: string | undefined;
    await readTar(stream, (e) => {
      const name = e.name.replace(/\/+$/, '');
      if (root === undefined) {
        // The first entry is the folder itself: `etc` for /etc, `` (from `/`) for /.
        root = name;
        return 'skip';
      }
      const rel = root
        ? name.startsWith(`${root}/`)
          ? name.slice(root.length + 1)
          : undefined
        : name.replace(/^\/+/, '');
      if (rel && !rel.includes('/'))
        out.push({ name: rel, type: e.type, size: e.size, linkTarget: e.linkname });
      return 'skip';
    });
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A regular file's bytes, with the owner and mode to write it back with. Symlinks are followed. */
  async read(
    id: string,
    p: string,
    o: Sig & { maxBytes?: number; depth?: number } = {},
  ): Promise<FileContent> {
    const cp = containerPath(p);
    if ((await this.transport(id, o)).exec) {
      const st = await this.stat(id, cp, o);
      if (st.type === 'directory') throw new ContainerFileError(`${cp} is a folder`, 'is-a-directory');
      const data = await execRead(this.client, id, cp, o.signal).catch((e) => {
        throw this.execFail('read', cp, e);
      });
      return { data, mode: 0o644, uid: 0, gid: 0 };
    }
    const stream = await this.archive(id, cp, o);
    let out: FileContent | undefined;
    let link: string | undefined;
    let dir = false;
    const max = o.maxBytes ?? 512 * 1024 * 1024;
    await readTar(
      stream,
      (e) => {
        if (e.type === 'directory') {
          dir = true;
          return 'stop';
        }
        if (e.type === 'symlink') {
          link = e.linkname;
          return 'stop';
        }
        if (e.type !== 'file') return 'stop';
        if (e.size > max) throw new ContainerFileError(`${cp} is larger than ${max} bytes`, 'other');
        return 'body';
      },
      (e, data) => {
        out = { data, mode: e.mode, uid: e.uid, gid: e.gid };
      },
    );
    if (dir) throw new ContainerFileError(`${cp} is a folder`, 'is-a-directory');
    if (link !== undefined) {
      if ((o.depth ?? 0) > 16)
        throw new ContainerFileError(`${cp}: too many levels of symbolic links`, 'other');
      return this.read(id, path.posix.resolve(path.posix.dirname(cp), link), {
        ...o,
        depth: (o.depth ?? 0) + 1,
      });
    }
    if (!out) throw new ContainerFileError(`${cp} is not a regular file`, 'other');
    return out;
  }

  /**
   * Writes a file (created or replaced) with the given owner and mode, by extracting a one-entry
   * tar into its folder. A read-only root or volume is refused by the engine, in its words.
   */
  async write(
    id: string,
    p: string,
    data: Buffer,
    o: Sig & { mode?: number; uid?: number; gid?: number } = {},
  ): Promise<void> {
    const cp = containerPath(p);
    if (cp === '/') throw new ContainerFileError('/ is a folder', 'is-a-directory');
    if ((await this.transport(id, o)).exec) {
      await execWrite(this.client, id, cp, data, o.signal).catch((e) => {
        throw this.execFail('write', cp, e);
      });
      return;
    }
    await this.put(
      id,
      path.posix.dirname(cp),
      writeTar([{ name: path.posix.basename(cp), type: 'file', data, mode: o.mode, uid: o.uid, gid: o.gid }]),
      'write',
      cp,
      o,
    );
  }

  async mkdir(id: string, p: string, o: Sig = {}): Promise<void> {
    const cp = containerPath(p);
    if ((await this.transport(id, o)).exec) {
      await execRun(this.client, id, ['mkdir', '--', cp], o.signal).catch((e) => {
        throw this.execFail('create', cp, e);
      });
      return;
    }
    await this.put(
      id,
      path.posix.dirname(cp),
      writeTar([{ name: path.posix.basename(cp), type: 'directory' }]),
      'create',
      cp,
      o,
    );
  }

  private async put(id: string, dir: string, tar: Buffer, what: string, p: string, o: Sig): Promise<void> {
    try {
      await this.container(id).putArchive(tar, {
        path: dir,
        noOverwriteDirNonDir: 'true',
        abortSignal: o.signal,
      });
    } catch (e) {
      throw this.fail(what, p, e);
    }
  }

  /** `rm -rf -- path` (or `rm -f`) in the running container: the archive API cannot delete. */
  async remove(id: string, p: string, o: Sig & { recursive?: boolean } = {}): Promise<void> {
    const cp = containerPath(p);
    if (cp === '/') throw new ContainerFileError('Refusing to delete /', 'no-permissions');
    await this.exec(id, ['rm', o.recursive ? '-rf' : '-f', '--', cp], 'delete', cp, o);
  }

  async rename(id: string, from: string, to: string, o: Sig & { overwrite?: boolean } = {}): Promise<void> {
    const a = containerPath(from);
    const b = containerPath(to);
    await this.exec(id, ['mv', o.overwrite ? '-f' : '-n', '--', a, b], 'rename', a, o);
  }

  /** Runs a fixed command (argument array, no shell) in the container; needs it running. */
  private async exec(id: string, cmd: string[], what: string, p: string, o: Sig): Promise<void> {
    this.modes.delete(id);
    if (!(await this.transport(id, o)).running)
      throw new ContainerFileError(
        `Could not ${what} ${p}: the container is not running (the engine can only read and write files of a stopped container)`,
        'unavailable',
      );
    await execRun(this.client, id, cmd, o.signal).catch((e) => {
      throw e instanceof ContainerFileError ? e : this.execFail(what, p, e);
    });
  }
}
