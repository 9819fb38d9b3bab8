import * as fs from 'fs';
import { CancelledError, UserError, messageOf } from '../common/errors';
import { processRunner, type Runner } from '../common/process';
import type { DockerClient, EngineInfo, ExecSession } from '../backends/docker/client';
import type { ComposeSetting } from '../backends/docker/compose';
import type { ContainerInfo } from '../backends/docker/model';
import type { SandboxBackend } from './backend';
import {
  composeDown,
  composeStart,
  composeStop,
  launchCompose,
  type ComposeOptions,
} from './composeLauncher';
import {
  groupSandboxContainers,
  isHelperContainer,
  mainLast,
  sandboxInfoOf,
  specOfContainers,
} from './containerInfo';
import { containerHookRunner, type ExecTarget } from './containerHooks';
import { envMap, resolveContainerEnv } from './devcontainer/variables';
import { createBody } from './hardening';
import { runCreateHooks, runHook } from './hooks';
import { defaultCacheDir, prepareImage, type ImagePrepOptions } from './imagePrep';
import { runInitialize } from './initialize';
import { checkHostRequirements, levelSupport } from './levelSupport';
import { containerName, LABEL } from './names';
import { PhaseRunner, type LaunchContext } from './phases';
import type { IsolationLevel, LaunchReport, SandboxInfo, SandboxSpec } from './types';
import { chooseUser, parsePasswd } from './users';

export interface ContainerSandboxOptions {
  /** Runs initializeCommand, Compose and tar (default: the real runner); tests may wrap it. */
  readonly runner?: Runner;
  /** Downloaded features and Compose override files (default: a folder under the temp dir). */
  readonly cacheDir?: string;
  /** The Docker CLI config folder (registry credentials and CAs, CLI plugins). */
  readonly dockerConfigDir?: string;
  /** Which Compose CLI (default: found). */
  readonly compose?: ComposeSetting;
  /** The docker CLI for `docker compose` (default `docker` on PATH). */
  readonly dockerPath?: string;
}

/**
 * Container-based sandboxes (runc, gVisor, Kata): build or find the image, create hardened
 * containers labelled with the sandbox, start them, run the lifecycle commands. A failure at any
 * phase removes what this launch created (containers, images it built).
 */
export class ContainerSandboxes implements SandboxBackend {
  /** Container id → the user terminals run as (found once per container; passwd doesn't change under us). */
  private readonly users = new Map<string, string>();
  /** Container id → the login shell (bash when the image has it), looked up once so attach spawns one process. */
  private readonly shells = new Map<string, Promise<string>>();

  private shellFor(id: string): Promise<string> {
    let s = this.shells.get(id);
    if (!s) {
      s = this.client.pathExists(id, '/bin/bash').then(
        (b) => (b ? '/bin/bash' : '/bin/sh'),
        () => '/bin/sh',
      );
      this.shells.set(id, s);
    }
    return s;
  }

  /**
   * Sandbox name → the first terminal's shell, exec'd as soon as the launch has the container
   * running, so its process start overlaps the end of the launch and the caller's work before it
   * attaches. Taken once by the first plain `attach()`; closed if nobody takes it in WARM_MS.
   */
  /** The size the last terminal asked for: the warm shell starts at it, so it rarely needs a resize (and a redraw). */
  private lastDims?: { cols: number; rows: number };
  private readonly warm = new Map<
    string,
    { id: string; session: Promise<ExecSession | undefined>; dispose: () => void }
  >();

  readonly kind = 'container';

  private readonly runner: Runner;
  private readonly imageOpts: ImagePrepOptions;
  /** Container id → remoteEnv with `${containerEnv:…}` resolved. */
  private readonly envs = new Map<string, Readonly<Record<string, string>>>();
  /** Container id → the image facts being read for it (primed at create). */
  private readonly factPromises = new Map<string, Promise<ImageFacts>>();

  constructor(
    readonly client: DockerClient,
    private readonly opts: ContainerSandboxOptions = {},
  ) {
    this.runner = opts.runner ?? processRunner;
    this.imageOpts = {
      cacheDir: opts.cacheDir ?? defaultCacheDir(),
      runner: this.runner,
      ...(opts.dockerConfigDir ? { dockerConfigDir: opts.dockerConfigDir } : {}),
    };
  }

  /** How Compose reaches this engine. */
  composeEnv(): ComposeOptions {
    const ep = this.client.endpoint;
    return {
      env: {
        runner: this.runner,
        engine: {
          host: ep.host,
          ...(ep.tlsDir ? { tlsDir: ep.tlsDir } : {}),
          ...(ep.tlsVerify ? { tlsVerify: true } : {}),
        },
        ...(this.opts.dockerPath ? { dockerPath: this.opts.dockerPath } : {}),
        ...(this.opts.dockerConfigDir ? { env: { DOCKER_CONFIG: this.opts.dockerConfigDir } } : {}),
      },
      setting: this.opts.compose ?? 'auto',
      stateDir: this.imageOpts.cacheDir ?? defaultCacheDir(),
    };
  }

  private info?: { at: number; info: Promise<EngineInfo> };

  /**
   * The engine's runtimes, CPUs and memory (~8 ms a call), reused for INFO_MS: they change only
   * when the daemon is reconfigured, and a runtime missing from the reused copy fetches afresh.
   */
  private async engineInfo(runtime: string, signal?: AbortSignal): Promise<EngineInfo> {
    const c = this.info;
    if (c && Date.now() - c.at < INFO_MS) {
      const i = await c.info.catch(() => undefined);
      if (i?.runtimes.includes(runtime)) return i;
    }
    const fresh = this.client.info({ signal });
    const entry = { at: Date.now(), info: fresh };
    this.info = entry;
    fresh.catch(() => {
      if (this.info === entry) this.info = undefined;
    });
    return fresh;
  }

  /** Image id → what terminals need from its filesystem. */
  private readonly facts = new Map<string, Promise<ImageFacts>>();

  /**
   * The image's /etc/passwd, login shell and USER. Reading a file out of a container costs
   * ~40 ms on dockerd 20.10 (the archive endpoint re-executes the daemon) and queues behind a
   * start on the container's lock, so it is read once per image id (an image's files never
   * change) from `id`, a container of that image that has not run yet.
   */
  private async imageFacts(image: string, id: string): Promise<ImageFacts> {
    const img = await this.client.imageConfig(image);
    const read = async (): Promise<ImageFacts> => {
      const [passwd, bash] = await Promise.all([
        this.client.readFile(id, '/etc/passwd'),
        this.client.pathExists(id, '/bin/bash').catch(() => false),
      ]);
      return {
        passwd: passwd?.toString('utf8') ?? '',
        shell: bash ? '/bin/bash' : '/bin/sh',
        imageUser: img?.user ?? '',
      };
    };
    if (!img) return read();
    let f = this.facts.get(img.id);
    if (!f) {
      f = read();
      this.facts.set(img.id, f);
      const key = img.id;
      f.catch(() => this.facts.delete(key));
    }
    return f;
  }

  private warmUp(
    name: string,
    id: string,
    spec: SandboxSpec,
    user: string,
    env: Readonly<Record<string, string>>,
  ): void {
    this.dropWarm(name);
    let stream: ExecSession['stream'] | undefined;
    let timer: NodeJS.Timeout | undefined;
    const session = this.shellFor(id)
      .then((sh) =>
        this.client.execInteractive(id, {
          cmd: [sh, '-l'],
          ...(user ? { user } : {}),
          ...(workingDirOf(spec) ? { workingDir: workingDirOf(spec) } : {}),
          env,
          ...(this.lastDims ?? {}),
        }),
      )
      .then(
        (s) => {
          stream = s.stream;
          // Parked: its output stays buffered in the stream until a terminal reads it, and the
          // socket must not keep a process (a test, a CLI) alive that never opens a terminal.
          (stream as unknown as { unref?: () => void }).unref?.();
          stream.once('close', () => {
            if (this.warm.get(name)?.session === session) this.warm.delete(name);
          });
          return s;
        },
        () => undefined,
      );
    // Only ever called while nobody holds it: the shell sits at its prompt, and `exit` ends it
    // (a dropped connection alone leaves an exec'd shell running on dockerd 20.10).
    const dispose = () => {
      if (timer) clearTimeout(timer);
      void session.then((s) => {
        if (s && !s.stream.destroyed) s.stream.end('exit\n');
      });
    };
    timer = setTimeout(() => {
      if (this.warm.get(name)?.session === session) {
        this.warm.delete(name);
        dispose();
      }
    }, WARM_MS);
    timer.unref();
    this.warm.set(name, { id, session, dispose });
  }

  private dropWarm(name: string): void {
    const w = this.warm.get(name);
    this.warm.delete(name);
    w?.dispose();
  }

  /** The launch's pre-started shell, if it is still alive; never handed out twice. */
  private async takeWarm(name: string): Promise<ExecSession | undefined> {
    const w = this.warm.get(name);
    if (!w) return undefined;
    this.warm.delete(name);
    const s = await w.session;
    if (!s || s.stream.destroyed || s.stream.readableEnded) {
      w.dispose();
      return undefined;
    }
    (s.stream as unknown as { ref?: () => void }).ref?.();
    return s;
  }

  private async userFor(id: string, spec: SandboxSpec | undefined, image: string): Promise<string> {
    const known = this.users.get(id);
    if (known !== undefined) return known;
    const u = spec ? (await this.resolveUser(id, spec, image, this.factPromises.get(id))).user : '';
    this.users.set(id, u);
    return u;
  }

  async launch(
    spec: SandboxSpec,
    level: IsolationLevel,
    runtime: string,
    ctx: LaunchContext,
  ): Promise<LaunchReport> {
    if (level === 'microvm')
      throw new UserError('A microVM sandbox is not a container: launch it with the microVM backend');
    const support = levelSupport(spec, level);
    if (support.refusal) throw new UserError(support.refusal);
    const phases = new PhaseRunner(ctx, spec.name);
    const created: string[] = [];
    const builtImages: string[] = [];
    const notes = [...spec.notes, ...support.notes];
    let composeUp: (() => Promise<void>) | undefined;
    try {
      const info = await phases.run('prepare', 'checking the engine', async () => {
        // Both engine round trips at once; the info is only used once the checks passed.
        const infoP = this.engineInfo(runtime, ctx.signal);
        infoP.catch(() => undefined);
        const existing = await this.containersOf(spec.name);
        if (existing.length)
          throw new UserError(
            `A sandbox named ${spec.name} already exists (${existing.map((c) => c.name).join(', ')}); open, restart or remove it`,
          );
        if (spec.workspace && !fs.existsSync(spec.workspace.hostPath))
          throw new UserError(`Workspace folder ${spec.workspace.hostPath} does not exist`);
        return infoP;
      });
      if (!info.runtimes.includes(runtime))
        throw new UserError(`The engine has no runtime "${runtime}" (it has: ${info.runtimes.join(', ')})`);
      checkHostRequirements(spec, { cpus: info.ncpu, memoryBytes: info.memTotal }, 'the engine');
      await runInitialize(spec, this.runner, phases, ctx);

      let eff = spec;
      let mainId: string;
      let mainImage: string;
      if (spec.compose) {
        const r = await launchCompose(
          this.client,
          this.composeEnv(),
          spec,
          level,
          runtime,
          phases,
          ctx,
          this.imageOpts,
          (undo) => {
            composeUp = undo;
          },
        );
        eff = r.spec;
        mainId = r.mainId;
        mainImage = r.image;
        builtImages.push(...r.built);
      } else {
        // Images: the Dockerfile built or the image found, features and uid layers on top.
        const images: string[] = [];
        for (const [i, c] of spec.containers.entries()) {
          const base = i === 0 ? spec : { ...spec, features: undefined, privilegeRequests: undefined };
          const prep = await prepareImage(this.client, base, c, phases, ctx, this.imageOpts);
          if (i === 0) eff = prep.spec;
          builtImages.push(...prep.built);
          notes.push(...prep.notes);
          images.push(prep.image);
        }
        for (const m of eff.mounts)
          if (m.type === 'bind' && !fs.existsSync(m.source))
            throw new UserError(`Mount source ${m.source} does not exist`);
        let first: string | undefined;
        for (const [i, c0] of eff.containers.entries()) {
          const image = images[i];
          if (image === undefined) throw new UserError(`Container ${c0.name} has no image`);
          const c = c0;
          const name = containerName(eff.name, eff.containers.length > 1 ? c.name : undefined);
          const body = createBody({
            spec: eff,
            container: c,
            level,
            runtime,
            hostCpus: info.ncpu,
            hostMemory: info.memTotal,
            index: i,
            ...(first ? { joinNetworkOf: first } : {}),
          });
          const id = await phases.run('create', `container ${name}`, () =>
            this.client.createContainer(name, { ...body, Image: image }, { signal: ctx.signal }),
          );
          created.push(id);
          first ??= id;
          // /etc/passwd and the shell come from the image (cached by image id: an image's files
          // never change) or, the first time, from the created container while it starts.
          if (i === 0) this.primeFacts(id, image);
          await phases.run('start', `container ${name}`, () =>
            this.client.containerAction('start', id, { signal: ctx.signal }),
          );
        }
        if (first === undefined || images[0] === undefined)
          throw new UserError(`Sandbox ${spec.name} has no containers`);
        mainId = first;
        mainImage = images[0];
      }

      const main = mainId;
      const user = await this.resolveUser(main, eff, mainImage, this.factsOf(main, mainImage));
      this.users.set(main, user.user);
      if (user.note) notes.push(user.note);
      const target = await this.execTarget(main, eff, mainImage, user.user);
      await runCreateHooks(eff, containerHookRunner(this.client, main, target, ctx.output), phases, ctx);
      for (const n of notes) ctx.log.warn(`sandbox ${spec.name}: ${n}`);
      this.warmUp(spec.name, main, eff, user.user, target.env);
      const infoNow = await this.find(spec.name);
      if (!infoNow) throw new UserError(`Sandbox ${spec.name} disappeared right after it started`);
      return { name: spec.name, level, timings: phases.timings, notes, info: infoNow };
    } catch (e) {
      this.dropWarm(spec.name);
      ctx.log.warn(
        `sandbox ${spec.name}: launch failed (${messageOf(e)}); cleaning up ${created.length} container(s), ${builtImages.length} built image(s)${composeUp ? ', the Compose project' : ''}`,
      );
      if (composeUp) await composeUp().catch((x: unknown) => ctx.log.error(`cleanup: ${messageOf(x)}`));
      for (const id of created.reverse())
        await this.removeContainer(id).catch((x: unknown) => ctx.log.error(`cleanup: ${messageOf(x)}`));
      for (const id of builtImages)
        await this.removeImage(id).catch((x: unknown) => ctx.log.error(`cleanup: ${messageOf(x)}`));
      // A build that failed leaves no tagged image, but may leave dangling ones labelled by us.
      await this.removeBuiltImages(spec.name).catch(() => undefined);
      // Whatever broke once the user cancelled (a closed console, an aborted request) is the cancel.
      if (ctx.signal?.aborted) throw new CancelledError();
      throw e;
    }
  }

  /** Starts reading the image's passwd and shell from a created container (see imageFacts). */
  private primeFacts(id: string, image: string): void {
    const facts = this.imageFacts(image, id);
    this.factPromises.set(id, facts);
    facts.catch(() => undefined);
    this.shells.set(
      id,
      facts.then(
        (f) => f.shell,
        () => '/bin/sh',
      ),
    );
  }

  private factsOf(id: string, image: string): Promise<ImageFacts> {
    return this.factPromises.get(id) ?? this.imageFacts(image, id);
  }

  /**
   * Where hooks, terminals and tasks run: the user, the workspace folder, and remoteEnv with its
   * `${containerEnv:X}` resolved against the container's environment (the image's plus ours).
   */
  async execTarget(id: string, spec: SandboxSpec, image: string, user: string): Promise<ExecTarget> {
    let env = spec.remoteEnv;
    if (Object.values(env).some((v) => v.includes('${containerEnv:'))) {
      const known = this.envs.get(id);
      if (known) env = known;
      else {
        const raw = (await this.client.inspectContainerRaw(id)) as { Config?: { Env?: unknown } } | undefined;
        const lines = Array.isArray(raw?.Config?.Env)
          ? raw.Config.Env.filter((x): x is string => typeof x === 'string')
          : ((await this.client.imageConfig(image))?.env ?? []);
        env = resolveContainerEnv(spec.remoteEnv, envMap(lines));
        this.envs.set(id, env);
      }
    }
    return {
      ...(user ? { user } : {}),
      ...(spec.workspace ? { workingDir: spec.workspace.target } : {}),
      env,
    };
  }

  /** Runs postAttachCommand (an editor attached: a launch from the editor, a re-open). */
  async postAttach(name: string, ctx: LaunchContext): Promise<void> {
    const { cs, main } = await this.mainOf(name);
    const { spec } = specOfContainers(cs);
    if (!spec?.lifecycle.postAttachCommand?.length) return;
    const user = await this.userFor(main.id, spec, main.image);
    const target = await this.execTarget(main.id, spec, main.image, user);
    await runHook(
      spec,
      'postAttachCommand',
      containerHookRunner(this.client, main.id, target, ctx.output),
      new PhaseRunner(ctx, name),
      ctx,
    );
  }

  /** User for terminals and lifecycle commands (see users.ts). */
  async resolveUser(
    id: string,
    spec: SandboxSpec,
    image: string,
    facts?: Promise<ImageFacts>,
  ): Promise<{ user: string; note?: string }> {
    if (spec.remoteUser) return { user: spec.remoteUser };
    const f = await (facts ?? this.imageFacts(image, id));
    const img = { user: f.imageUser };
    const passwd = f.passwd;
    let workspace: { uid: number; mode: number } | undefined;
    if (spec.workspace && !spec.workspace.readonly) {
      const st = fs.statSync(spec.workspace.hostPath);
      workspace = { uid: st.uid, mode: st.mode };
    }
    return chooseUser({
      imageUser: img?.user ?? '',
      passwd: parsePasswd(passwd),
      ...(workspace ? { workspace } : {}),
    });
  }

  /** The containers that make up sandbox `name` (export/extract helpers excluded). */
  private async containersOf(name: string): Promise<ContainerInfo[]> {
    return (await this.client.listContainers({ labels: { [LABEL.sandbox]: name } })).filter(
      (c) => !isHelperContainer(c),
    );
  }

  private async mainOf(name: string): Promise<{ cs: ContainerInfo[]; main: ContainerInfo }> {
    const cs = await this.containersOf(name);
    const main = mainLast(cs).reverse()[0];
    if (!main) throw new UserError(`No sandbox named ${name}`);
    return { cs, main };
  }

  private removeContainer(id: string): Promise<void> {
    return this.client.removeContainer(id, { force: true, volumes: true });
  }

  private removeImage(id: string): Promise<void> {
    return this.client.removeImage(id, { force: true, missingOk: true });
  }

  private async removeBuiltImages(name: string): Promise<void> {
    for (const img of await this.client.listImages({ labels: { [LABEL.built]: name } }))
      await this.removeImage(img.id);
  }

  /** Every container sandbox on the engine, grouped by sandbox name. */
  async list(): Promise<SandboxInfo[]> {
    const all = await this.client.listContainers({ labels: { [LABEL.sandbox]: true } });
    return [...groupSandboxContainers(all).entries()].map(([name, cs]) => sandboxInfoOf(name, cs));
  }

  async find(name: string): Promise<SandboxInfo | undefined> {
    const cs = await this.containersOf(name);
    return cs.length ? sandboxInfoOf(name, cs) : undefined;
  }

  /** The spec a sandbox was created from (stored in its labels, checked as it is read). */
  async specOf(name: string): Promise<SandboxSpec | undefined> {
    return specOfContainers(await this.containersOf(name)).spec;
  }

  async stop(name: string): Promise<void> {
    this.dropWarm(name);
    const cs = await this.containersOf(name);
    const { spec } = specOfContainers(cs);
    if (spec?.compose) {
      // stopContainer on a Compose config: only the dev service; otherwise the whole project.
      await composeStop(
        this.composeEnv(),
        spec.compose,
        spec.shutdownAction === 'stopContainer' ? [spec.compose.service] : [],
      );
      return;
    }
    // Siblings first: they share the first container's network.
    for (const c of mainLast(cs))
      await this.client.containerAction('stop', c.id, { timeoutS: 3 }).catch((e: unknown) => {
        if ((e as { statusCode?: number }).statusCode !== 404) throw e;
      });
  }

  /**
   * Starts again: initializeCommand on the host, the containers (a Compose project through its
   * CLI), postStartCommand. The create hooks never run again.
   */
  async restart(name: string, ctx: LaunchContext): Promise<LaunchReport> {
    const phases = new PhaseRunner(ctx, name);
    const { cs, main } = await this.mainOf(name);
    const { spec, problem } = specOfContainers(cs);
    if (problem) ctx.log.warn(`sandbox ${name}: ${problem}; restarting without its lifecycle commands`);
    this.dropWarm(name);
    this.envs.delete(main.id);
    if (spec) await runInitialize(spec, this.runner, phases, ctx);
    await phases.run('start', 'restarting', async () => {
      await this.stop(name);
      if (spec?.compose) await composeStart(this.composeEnv(), spec.compose, ctx);
      else
        for (const c of mainLast(cs).reverse())
          await this.client.containerAction('start', c.id, { signal: ctx.signal });
    });
    if (spec?.lifecycle.postStartCommand?.length) {
      const user = await this.userFor(main.id, spec, main.image);
      const target = await this.execTarget(main.id, spec, main.image, user);
      await runHook(
        spec,
        'postStartCommand',
        containerHookRunner(this.client, main.id, target, ctx.output),
        phases,
        ctx,
      );
    }
    const info = await this.find(name);
    if (!info) throw new UserError(`Sandbox ${name} disappeared while it restarted`);
    return { name, level: info.level, timings: phases.timings, notes: [], info };
  }

  /** Removes the containers and any image Podvisor built for the sandbox. Never touches the workspace. */
  async remove(name: string): Promise<void> {
    this.dropWarm(name);
    const cs = await this.containersOf(name);
    const { spec } = specOfContainers(cs);
    if (spec?.compose) await composeDown(this.composeEnv(), spec.compose);
    for (const c of mainLast(await this.containersOf(name))) await this.removeContainer(c.id);
    await this.removeBuiltImages(name);
    for (const c of cs) {
      this.envs.delete(c.id);
      this.factPromises.delete(c.id);
    }
  }

  /** A TTY shell (or `cmd`) in the sandbox's main container, as its user, in the workspace. */
  async attach(
    name: string,
    opts: { cmd?: readonly string[]; cols?: number; rows?: number } = {},
  ): Promise<ExecSession> {
    if (!opts.cmd) {
      const started = this.lastDims;
      if (opts.cols && opts.rows) this.lastDims = { cols: opts.cols, rows: opts.rows };
      const w = await this.takeWarm(name);
      if (w) {
        if (opts.cols && opts.rows && (opts.cols !== started?.cols || opts.rows !== started?.rows))
          await w.resize(opts.cols, opts.rows);
        return w;
      }
    }
    const { cs, main } = await this.mainOf(name);
    if (main.rawState !== 'running')
      throw new UserError(`Sandbox ${name} is ${main.rawState}; start it first`);
    const { spec } = specOfContainers(cs);
    const user = await this.userFor(main.id, spec, main.image);
    const shell = [await this.shellFor(main.id), '-l'];
    const t = await this.targetOf(main, spec, user);
    return this.client.execInteractive(main.id, {
      cmd: opts.cmd ?? shell,
      ...t,
      ...(opts.cols ? { cols: opts.cols } : {}),
      ...(opts.rows ? { rows: opts.rows } : {}),
    });
  }

  /** How a command runs in sandbox `name`'s main container (its user, folder, remoteEnv). */
  async execTargetOf(name: string): Promise<{ id: string; target: ExecTarget; spec?: SandboxSpec }> {
    const { cs, main } = await this.mainOf(name);
    if (main.rawState !== 'running')
      throw new UserError(`Sandbox ${name} is ${main.rawState}; start it first`);
    const { spec } = specOfContainers(cs);
    const user = await this.userFor(main.id, spec, main.image);
    return { id: main.id, target: await this.targetOf(main, spec, user), ...(spec ? { spec } : {}) };
  }

  private async targetOf(
    main: ContainerInfo,
    spec: SandboxSpec | undefined,
    user: string,
  ): Promise<ExecTarget> {
    if (spec) return this.execTarget(main.id, spec, main.image, user);
    return { ...(user ? { user } : {}), env: {} };
  }

  /** Runs one command in the main container (tests, the bench, non-interactive use). */
  async exec(
    name: string,
    cmd: readonly string[],
    signal?: AbortSignal,
  ): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    // The user is looked up afresh (the workspace's owner may have changed), unlike terminals'.
    const { cs, main } = await this.mainOf(name);
    const { spec } = specOfContainers(cs);
    const user = spec ? (await this.resolveUser(main.id, spec, main.image)).user : '';
    const target = await this.targetOf(main, spec, user);
    return this.client.exec(main.id, { cmd, ...target }, { signal });
  }
}

interface ImageFacts {
  readonly passwd: string;
  readonly shell: string;
  readonly imageUser: string;
}

/** How long the engine's info is reused by launches. */
const INFO_MS = 60_000;

/** How long a launch's pre-started shell waits for its terminal before it is closed. */
const WARM_MS = 20_000;

/** Where hooks, terminals and tasks start: the configured working folder, else the workspace. */
export function workingDirOf(spec: SandboxSpec | undefined): string | undefined {
  return spec?.containers[0]?.workingDir ?? spec?.workspace?.target;
}
