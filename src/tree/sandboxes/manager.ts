import * as os from 'os';
import type * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import type { Logger } from '../../common/log';
import type { Settings } from '../../common/settings';
import { loadLazy } from '../../host/lazy';
import type { Session } from '../../backends/docker/sessions';

type SandboxModule = typeof import('../../sandbox');
type DockerModule = typeof import('../../backends/docker');
type ContainerSandboxes = InstanceType<SandboxModule['ContainerSandboxes']>;
export type { SandboxModule };

/**
 * The editor's handle on sandboxes: finds the engine (the containers backend's discovery),
 * detects isolation levels, and forwards lifecycle calls to the lazily loaded sandbox bundle.
 * Holds no state a window reload would lose: sandboxes are found again from engine labels.
 */
export class SandboxManager {
  private cached?: { endpoint: string; sandboxes: ContainerSandboxes; engine: InstanceType<SandboxModule['DockerodeEngine']> };

  constructor(readonly log: Logger, private readonly settings: () => Settings, readonly context?: vscode.ExtensionContext) {}

  module(): SandboxModule {
    return loadLazy<SandboxModule>('sandbox');
  }

  /** The engine endpoint, discovered like the docker CLI (setting, DOCKER_HOST, context, socket). */
  endpoint(): string {
    const s = this.settings().docker as { host: string; context?: string };
    try {
      const d = loadLazy<DockerModule>('docker');
      return d.discoverEndpoint({ settingHost: s.host, settingContext: s.context ?? '', env: process.env, home: os.homedir() }).host;
    } catch {
      return this.module().resolveEndpoint(s.host);
    }
  }

  containers(): { sandboxes: ContainerSandboxes; engine: InstanceType<SandboxModule['DockerodeEngine']> } {
    const ep = this.endpoint();
    if (!this.cached || this.cached.endpoint !== ep) {
      const m = this.module();
      const engine = new m.DockerodeEngine(ep);
      this.cached = { endpoint: ep, engine, sandboxes: new m.ContainerSandboxes(engine) };
    }
    return this.cached;
  }

  async levels(): Promise<ReturnType<SandboxModule['containerLevels']>> {
    const m = this.module();
    try {
      const info = await this.containers().engine.info();
      return m.containerLevels(info);
    } catch (e) {
      return m.containerLevels(undefined, (e as Error).message);
    }
  }

  async list(): Promise<Awaited<ReturnType<ContainerSandboxes['list']>>> {
    return this.containers().sandboxes.list();
  }

  /** A terminal session on the sandbox's shell, in the shape the terminal adapter takes. */
  async session(name: string, dims: { cols?: number; rows?: number }, cmd?: readonly string[]): Promise<Session> {
    const s = await this.containers().sandboxes.attach(name, { ...(cmd ? { cmd } : {}), ...dims });
    const exitCbs: Array<(c: number | undefined) => void> = [];
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      void s.exitCode().catch(() => undefined).then((c) => exitCbs.forEach((cb) => cb(c)));
    };
    s.stream.on('end', end);
    s.stream.on('close', end);
    return {
      onData: (cb) => s.stream.on('data', (d: Buffer) => cb(d.toString('utf8'))),
      onExit: (cb) => exitCbs.push(cb),
      write: (d) => s.stream.write(d),
      resize: (c, r) => void s.resize(c, r),
      close: () => s.stream.destroy(),
    };
  }

  requireTrusted(isTrusted: boolean): void {
    if (!isTrusted) throw new UserError('Sandboxes are disabled in untrusted workspaces: trust this folder to launch one');
  }
}
