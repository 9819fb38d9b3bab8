import * as fs from 'fs';
import { CancelledError, UserError, isCancelled, messageOf } from '../common/errors';
import { pullImage } from '../backends/docker/imageOps';
import type { DockerClient, EngineInfo, ExecSession } from '../backends/docker/client';
import type { ContainerInfo } from '../backends/docker/model';
import type { SandboxBackend } from './backend';
import {
  groupSandboxContainers,
  isHelperContainer,
  mainLast,
  sandboxInfoOf,
  specOfContainers,
} from './containerInfo';
import { createBody } from './hardening';
import { argvOf } from './lifecycle';
import { builtImageTag, containerName, LABEL } from './names';
import { PhaseRunner, type LaunchContext } from './phases';
import type { IsolationLevel, LaunchReport, LifecycleCommand, SandboxInfo, SandboxSpec } from './types';
import { chooseUser, parsePasswd } from './users';

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

  constructor(readonly client: DockerClient) {}

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

  private warmUp(name: string, id: string, spec: SandboxSpec, user: string): void {
    this.dropWarm(name);
    let stream: ExecSession['stream'] | undefined;
    let timer: NodeJS.Timeout | undefined;
    const session = this.shellFor(id)
      .then((sh) =>
        this.client.execInteractive(id, {
          cmd: [sh, '-l'],
          ...(user ? { user } : {}),
          ...(spec.workspace ? { workingDir: spec.workspace.target } : {}),
          env: spec.remoteEnv,
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
    const u = spec ? (await this.resolveUser(id, spec, image)).user : '';
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
    const phases = new PhaseRunner(ctx, spec.name);
    const created: string[] = [];
    const builtImages: string[] = [];
    const notes = [...spec.notes];
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
        for (const m of spec.mounts)
          if (m.type === 'bind' && !fs.existsSync(m.source))
            throw new UserError(`Mount source ${m.source} does not exist`);
        return infoP;
      });
      if (!info.runtimes.includes(runtime))
        throw new UserError(`The engine has no runtime "${runtime}" (it has: ${info.runtimes.join(', ')})`);

      // Images: build what has a Dockerfile, check (or pull) the rest.
      const images: string[] = [];
      for (const c of spec.containers) {
        if (c.build) {
          const tag = builtImageTag(spec.name, c.name);
          const b = c.build;
          const id = await phases.run('build', `building ${tag}`, () =>
            this.client.build(
              {
                context: b.context,
                dockerfile: b.dockerfile,
                tag,
                args: b.args,
                ...(b.target ? { target: b.target } : {}),
                labels: { [LABEL.built]: spec.name },
              },
              { signal: ctx.signal, onLine: (l) => ctx.log.info(`[build] ${l}`) },
            ),
          );
          builtImages.push(id);
          images.push(tag);
        } else if (c.image) {
          const ref = c.image;
          await phases.run('pull', `image ${ref}`, async () => {
            if (await this.client.imageConfig(ref, { signal: ctx.signal })) return;
            try {
              await pullImage(this.client, ref, {
                signal: ctx.signal,
                onProgress: (p) => ctx.log.debug(`[pull] ${p.id ? `${p.id}: ` : ''}${p.status}`),
              });
            } catch (e) {
              if (isCancelled(e)) throw e;
              throw new UserError(
                `Image ${ref} is not on the engine and could not be pulled: ${messageOf(e)}`,
              );
            }
          });
          images.push(ref);
        } else {
          throw new UserError(`Container ${c.name} has no image`);
        }
      }

      let first: string | undefined;
      let userLookup: Promise<{ user: string; note?: string }> | undefined;
      for (const [i, c] of spec.containers.entries()) {
        const image = images[i];
        if (image === undefined) throw new UserError(`Container ${c.name} has no image`);
        const name = containerName(spec.name, spec.containers.length > 1 ? c.name : undefined);
        const body = createBody({
          spec,
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
        if (i === 0) {
          const facts = this.imageFacts(image, id);
          this.shells.set(
            id,
            facts.then(
              (f) => f.shell,
              () => '/bin/sh',
            ),
          );
          userLookup = this.resolveUser(id, spec, image, facts);
          userLookup.catch(() => undefined);
        }
        await phases.run('start', `container ${name}`, () =>
          this.client.containerAction('start', id, { signal: ctx.signal }),
        );
      }

      // Both are set by the first container; a spec without containers has neither.
      const main = first;
      const user = await userLookup;
      if (main === undefined || !user) throw new UserError(`Sandbox ${spec.name} has no containers`);
      this.users.set(main, user.user);
      if (user.note) notes.push(user.note);
      if (spec.postCreateCommand) {
        const pc = spec.postCreateCommand;
        await phases.run('post-create', 'postCreateCommand', () =>
          this.runLifecycle(main, spec, user.user, pc, 'postCreateCommand', ctx),
        );
      }
      if (spec.postStartCommand) {
        const ps = spec.postStartCommand;
        await phases.run('post-start', 'postStartCommand', () =>
          this.runLifecycle(main, spec, user.user, ps, 'postStartCommand', ctx),
        );
      }
      for (const n of notes) ctx.log.warn(`sandbox ${spec.name}: ${n}`);
      this.warmUp(spec.name, main, spec, user.user);
      const infoNow = await this.find(spec.name);
      if (!infoNow) throw new UserError(`Sandbox ${spec.name} disappeared right after it started`);
      return { name: spec.name, level, timings: phases.timings, notes, info: infoNow };
    } catch (e) {
      this.dropWarm(spec.name);
      ctx.log.warn(
        `sandbox ${spec.name}: launch failed (${messageOf(e)}); cleaning up ${created.length} container(s), ${builtImages.length} built image(s)`,
      );
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

  private async runLifecycle(
    id: string,
    spec: SandboxSpec,
    user: string,
    c: LifecycleCommand,
    what: string,
    ctx: LaunchContext,
  ): Promise<void> {
    const r = await this.client.exec(
      id,
      {
        cmd: argvOf(c),
        user,
        ...(spec.workspace ? { workingDir: spec.workspace.target } : {}),
        env: spec.remoteEnv,
      },
      { signal: ctx.signal },
    );
    for (const l of (r.stdout + r.stderr).split('\n')) if (l.trim()) ctx.log.info(`[${what}] ${l}`);
    if (r.exitCode !== 0)
      throw new UserError(
        `${what} failed with exit code ${r.exitCode}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`,
      );
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
    // Siblings first: they share the first container's network.
    for (const c of mainLast(await this.containersOf(name)))
      await this.client.containerAction('stop', c.id, { timeoutS: 3 }).catch((e: unknown) => {
        if ((e as { statusCode?: number }).statusCode !== 404) throw e;
      });
  }

  /** Stops and starts the containers and runs postStartCommand (never postCreateCommand again). */
  async restart(name: string, ctx: LaunchContext): Promise<LaunchReport> {
    const phases = new PhaseRunner(ctx, name);
    const { cs, main } = await this.mainOf(name);
    const { spec, problem } = specOfContainers(cs);
    if (problem) ctx.log.warn(`sandbox ${name}: ${problem}; restarting without its lifecycle commands`);
    this.dropWarm(name);
    await phases.run('start', 'restarting', async () => {
      await this.stop(name);
      for (const c of mainLast(cs).reverse())
        await this.client.containerAction('start', c.id, { signal: ctx.signal });
    });
    if (spec?.postStartCommand) {
      const user = await this.resolveUser(main.id, spec, main.image);
      const ps = spec.postStartCommand;
      await phases.run('post-start', 'postStartCommand', () =>
        this.runLifecycle(main.id, spec, user.user, ps, 'postStartCommand', ctx),
      );
    }
    const info = await this.find(name);
    if (!info) throw new UserError(`Sandbox ${name} disappeared while it restarted`);
    return { name, level: info.level, timings: phases.timings, notes: [], info };
  }

  /** Removes the containers and any image Podvisor built for the sandbox. Never touches the workspace. */
  async remove(name: string): Promise<void> {
    this.dropWarm(name);
    for (const c of mainLast(await this.containersOf(name))) await this.removeContainer(c.id);
    await this.removeBuiltImages(name);
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
    return this.client.execInteractive(main.id, {
      cmd: opts.cmd ?? shell,
      ...(user ? { user } : {}),
      ...(spec?.workspace ? { workingDir: spec.workspace.target } : {}),
      env: spec?.remoteEnv ?? {},
      ...(opts.cols ? { cols: opts.cols } : {}),
      ...(opts.rows ? { rows: opts.rows } : {}),
    });
  }

  /** Runs one command in the main container (tests, the bench, non-interactive use). */
  async exec(
    name: string,
    cmd: readonly string[],
    signal?: AbortSignal,
  ): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const { cs, main } = await this.mainOf(name);
    const { spec } = specOfContainers(cs);
    const user = spec ? await this.resolveUser(main.id, spec, main.image) : { user: '' };
    return this.client.exec(
      main.id,
      {
        cmd,
        ...(user.user ? { user: user.user } : {}),
        ...(spec?.workspace ? { workingDir: spec.workspace.target } : {}),
        env: spec?.remoteEnv ?? {},
      },
      { signal },
    );
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
