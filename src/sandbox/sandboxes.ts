/**
 * The sandboxes façade: one entry point for the editor, the CLI and tests. It owns the two
 * backends (containers on the one Docker engine client, QEMU microVMs), detects what isolation
 * levels this machine offers, and sends each call to the backend the sandbox's own record names
 * (`SandboxInfo.level`), found once, not by asking every backend on every call. No vscode here;
 * terminals and re-attach after a reload are the adapters' business.
 */
import type { DockerClient } from '../backends/docker/client';
import { sessionOf, type Session } from '../backends/docker/sessions';
import { UserError, messageOf } from '../common/errors';
import type { Logger } from '../common/log';
import type { AttachOptions, SandboxBackend } from './backend';
import { ContainerSandboxes, type ContainerSandboxOptions } from './containerLauncher';
import { containerLevels, microvmLevel, type LevelStatus } from './levels';
import { MicroVmSandboxes, type MicroVmOptions } from './microvm/microvms';
import type { LaunchContext } from './phases';
import type { IsolationLevel, LaunchReport, SandboxInfo, SandboxSpec } from './types';

export interface SandboxesOptions {
  readonly log: Logger;
  /** The engine (the editor shares the Containers view's client: one client per engine). */
  readonly client: () => Promise<DockerClient>;
  /** Where microVM sandboxes live and what they boot. */
  readonly microvm: Omit<MicroVmOptions, 'log'>;
  /** Container sandboxes: caches, the Compose CLI, the Docker CLI config. */
  readonly containers?: ContainerSandboxOptions;
  /** The live records, when a store keeps them (the view); otherwise each lookup asks the backends. */
  readonly records?: () => ReadonlyMap<string, SandboxInfo> | undefined;
}

export class Sandboxes {
  readonly microvms: MicroVmSandboxes;
  private container?: { client: DockerClient; backend: ContainerSandboxes };

  constructor(private readonly o: SandboxesOptions) {
    this.microvms = new MicroVmSandboxes(o.client, { ...o.microvm, log: o.log });
  }

  /** The container backend on the current engine (a new one when the engine changed). */
  async containers(): Promise<ContainerSandboxes> {
    const client = await this.o.client();
    if (this.container?.client !== client)
      this.container = { client, backend: new ContainerSandboxes(client, this.o.containers) };
    return this.container.backend;
  }

  engine(): Promise<DockerClient> {
    return this.o.client();
  }

  /** Every level with whether it is available here and why not. */
  async levels(): Promise<LevelStatus[]> {
    let levels: LevelStatus[];
    try {
      levels = containerLevels(await (await this.o.client()).info());
    } catch (e) {
      levels = containerLevels(undefined, messageOf(e));
    }
    const engineUp = levels.some((l) => l.level === 'container' && l.available);
    return [...levels, microvmLevel({ engineUp, kernel: this.o.microvm.kernel })];
  }

  private backendFor(level: IsolationLevel): Promise<SandboxBackend> {
    return level === 'microvm' ? Promise.resolve(this.microvms) : this.containers();
  }

  /** The backend a sandbox belongs to, from its record. */
  backendOf(sb: Pick<SandboxInfo, 'level'>): Promise<SandboxBackend> {
    return this.backendFor(sb.level);
  }

  async list(): Promise<SandboxInfo[]> {
    const [c, v] = await Promise.all([
      this.containers().then((b) => b.list()),
      this.microvms.list().catch(() => []),
    ]);
    return [...c, ...v];
  }

  /** The record of sandbox `name`: from the live store when there is one, else from the backends. */
  async get(name: string): Promise<SandboxInfo | undefined> {
    const live = this.o.records?.();
    if (live) return live.get(name);
    return (await this.microvms.find(name)) ?? (await (await this.containers()).find(name));
  }

  /** `get`, or a UserError naming the sandbox. */
  async require(name: string): Promise<SandboxInfo> {
    const sb = await this.get(name);
    if (!sb) throw new UserError(`No sandbox named ${name}`);
    return sb;
  }

  async launch(
    spec: SandboxSpec,
    level: IsolationLevel,
    runtime: string,
    ctx: LaunchContext,
  ): Promise<LaunchReport> {
    // Names are one namespace across backends: a microVM and a container of one name would be ambiguous.
    const other =
      level === 'microvm'
        ? await (await this.containers()).find(spec.name)
        : await this.microvms.find(spec.name);
    if (other)
      throw new UserError(
        `A sandbox named ${spec.name} already exists (${other.level}); open, restart or remove it`,
      );
    return (await this.backendFor(level)).launch(spec, level, runtime, ctx);
  }

  async specOf(sb: SandboxInfo): Promise<SandboxSpec | undefined> {
    return (await this.backendOf(sb)).specOf(sb.name);
  }

  async stop(sb: SandboxInfo): Promise<void> {
    return (await this.backendOf(sb)).stop(sb.name);
  }

  async restart(sb: SandboxInfo, ctx: LaunchContext): Promise<LaunchReport> {
    return (await this.backendOf(sb)).restart(sb.name, ctx);
  }

  async postAttach(sb: SandboxInfo, ctx: LaunchContext): Promise<void> {
    return (await this.backendOf(sb)).postAttach(sb.name, ctx);
  }

  async remove(sb: SandboxInfo): Promise<void> {
    return (await this.backendOf(sb)).remove(sb.name);
  }

  /** A terminal session on the sandbox's shell (or `cmd`), in the shape the terminal adapter takes. */
  async session(sb: SandboxInfo, opts: AttachOptions = {}): Promise<Session> {
    return sessionOf(await (await this.backendOf(sb)).attach(sb.name, opts));
  }

  dispose(): void {
    this.microvms.dispose();
  }
}
