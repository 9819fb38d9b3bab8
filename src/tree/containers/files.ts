import * as path from 'path';
import * as vscode from 'vscode';
import type { ContainerFiles, ContainerFileError, FileStat } from '../../backends/docker/files';
import type { Services } from '../../host/services';

export const FILES_SCHEME = 'podvisor-container';

/** `podvisor-container://<engine key>/<container id>/<path in the container>` */
export function containerUri(engineKey: string, containerId: string, p = '/'): vscode.Uri {
  return vscode.Uri.from({
    scheme: FILES_SCHEME,
    authority: engineKey,
    path: `/${containerId}${p.startsWith('/') ? p : `/${p}`}`.replace(/\/+$/, '') || '/',
  });
}

export function parseContainerUri(uri: vscode.Uri): { engine: string; id: string; path: string } {
  const [, id = '', ...rest] = uri.path.split('/');
  return { engine: uri.authority, id, path: `/${rest.join('/')}` };
}

/**
 * A container's files in the Explorer (and any editor) through the Engine API archive endpoints:
 * open, edit and save, create, delete, rename; stopped containers too, gVisor ones through exec.
 * A save keeps the file's owner and mode (remembered from when it was read). Errors are the
 * FileSystemError kinds VS Code understands, with the engine's own words.
 */
export class ContainerFileSystem implements vscode.FileSystemProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.emitter.event;
  private readonly files = new Map<string, ContainerFiles>();
  /** Owner and mode per file read, so a save writes them back unchanged. */
  private readonly owners = new Map<string, { mode: number; uid: number; gid: number }>();

  constructor(private readonly svc: Services) {}

  private async fs(uri: vscode.Uri): Promise<{ files: ContainerFiles; id: string; path: string }> {
    const { engine: key, id, path: p } = parseContainerUri(uri);
    const engine = this.svc.containers.engine(key);
    if (!engine) throw vscode.FileSystemError.Unavailable(vscode.l10n.t('No engine {0} is shown', key));
    let files = this.files.get(key);
    if (!files) {
      const client = await engine.client();
      files = new (this.svc.containers.module().ContainerFiles)(client);
      this.files.set(key, files);
    }
    return { files, id, path: p };
  }

  private mapError(e: unknown, uri: vscode.Uri): Error {
    const x = e as Partial<ContainerFileError>;
    const msg = typeof x.message === 'string' ? x.message : String(e);
    switch (x.kind) {
      case 'not-found':
        return vscode.FileSystemError.FileNotFound(uri);
      case 'exists':
        return vscode.FileSystemError.FileExists(uri);
      case 'no-permissions':
        return vscode.FileSystemError.NoPermissions(msg);
      case 'not-a-directory':
        return vscode.FileSystemError.FileNotADirectory(uri);
      case 'is-a-directory':
        return vscode.FileSystemError.FileIsADirectory(uri);
      case 'unavailable':
        return vscode.FileSystemError.Unavailable(msg);
      default:
        return e instanceof Error ? e : new Error(msg);
    }
  }

  private async guard<T>(uri: vscode.Uri, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      throw this.mapError(e, uri);
    }
  }

  private static typeOf(st: Pick<FileStat, 'type'>): vscode.FileType {
    return st.type === 'directory'
      ? vscode.FileType.Directory
      : st.type === 'file'
        ? vscode.FileType.File
        : vscode.FileType.Unknown;
  }

  watch(): vscode.Disposable {
    // No event source for a container's files: changes we make are announced by us.
    return new vscode.Disposable(() => undefined);
  }

  stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    return this.guard(uri, async () => {
      const { files, id, path: p } = await this.fs(uri);
      const st = await files.stat(id, p);
      let type = ContainerFileSystem.typeOf(st);
      if (st.type === 'symlink') {
        const target = await files
          .stat(id, path.posix.resolve(path.posix.dirname(p), st.linkTarget))
          .catch(() => undefined);
        type =
          vscode.FileType.SymbolicLink |
          (target ? ContainerFileSystem.typeOf(target) : vscode.FileType.Unknown);
      }
      return {
        type,
        ctime: st.mtime,
        mtime: st.mtime,
        size: st.size,
        ...(st.mode && !(st.mode & 0o222) ? { permissions: vscode.FilePermission.Readonly } : {}),
      };
    });
  }

  readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    return this.guard(uri, async () => {
      const { files, id, path: p } = await this.fs(uri);
      const list = await files.list(id, p);
      return list.map((e): [string, vscode.FileType] => [
        e.name,
        e.type === 'symlink'
          ? vscode.FileType.SymbolicLink | vscode.FileType.File
          : ContainerFileSystem.typeOf(e),
      ]);
    });
  }

  readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return this.guard(uri, async () => {
      const { files, id, path: p } = await this.fs(uri);
      const c = await files.read(id, p);
      this.owners.set(uri.toString(), { mode: c.mode, uid: c.uid, gid: c.gid });
      return c.data;
    });
  }

  writeFile(
    uri: vscode.Uri,
    content: Uint8Array,
    options: { create: boolean; overwrite: boolean },
  ): Promise<void> {
    return this.guard(uri, async () => {
      const { files, id, path: p } = await this.fs(uri);
      const exists = await files.stat(id, p).then(
        () => true,
        (e: Partial<ContainerFileError>) => {
          if (e.kind === 'not-found') return false;
          throw e;
        },
      );
      if (!exists && !options.create) throw vscode.FileSystemError.FileNotFound(uri);
      if (exists && !options.overwrite) throw vscode.FileSystemError.FileExists(uri);
      let owner = this.owners.get(uri.toString());
      if (exists && !owner) {
        const cur = await files.read(id, p);
        owner = { mode: cur.mode, uid: cur.uid, gid: cur.gid };
      }
      await files.write(id, p, Buffer.from(content), owner ?? {});
      this.emitter.fire([
        { type: exists ? vscode.FileChangeType.Changed : vscode.FileChangeType.Created, uri },
      ]);
    });
  }

  createDirectory(uri: vscode.Uri): Promise<void> {
    return this.guard(uri, async () => {
      const { files, id, path: p } = await this.fs(uri);
      await files.mkdir(id, p);
      this.emitter.fire([{ type: vscode.FileChangeType.Created, uri }]);
    });
  }

  delete(uri: vscode.Uri, options: { recursive: boolean }): Promise<void> {
    return this.guard(uri, async () => {
      const { files, id, path: p } = await this.fs(uri);
      await files.remove(id, p, { recursive: options.recursive });
      this.emitter.fire([{ type: vscode.FileChangeType.Deleted, uri }]);
    });
  }

  rename(from: vscode.Uri, to: vscode.Uri, options: { overwrite: boolean }): Promise<void> {
    return this.guard(from, async () => {
      const a = await this.fs(from);
      const b = parseContainerUri(to);
      if (b.id !== a.id || to.authority !== from.authority)
        throw vscode.FileSystemError.NoPermissions(vscode.l10n.t('Files move only within one container'));
      await a.files.rename(a.id, a.path, b.path, { overwrite: options.overwrite });
      this.emitter.fire([
        { type: vscode.FileChangeType.Deleted, uri: from },
        { type: vscode.FileChangeType.Created, uri: to },
      ]);
    });
  }

  /** Engine clients change when settings do. */
  reset(): void {
    this.files.clear();
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

export function registerContainerFiles(svc: Services): vscode.Disposable[] {
  const provider = new ContainerFileSystem(svc);
  return [
    provider,
    vscode.workspace.registerFileSystemProvider(FILES_SCHEME, provider, { isCaseSensitive: true }),
    svc.settings.onDidChange(() => provider.reset()),
  ];
}
