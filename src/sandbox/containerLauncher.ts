import * as fs from 'fs';
import { CancelledError, UserError, isCancelled, messageOf } from '../common/errors';
import type { ContainerEngine, ContainerSummary, EngineInfo, InteractiveSession } from './engine';
import { createBody } from './hardening';
import { argvOf } from './lifecycle';
import { builtImageTag, containerName, LABEL } from './names';
import { PhaseRunner, type LaunchContext } from './phases';
import type {
  ContainerSpec,
  IsolationLevel,
  LaunchReport,
  LifecycleCommand,
  SandboxInfo,
  SandboxSource,
  SandboxSpec,
} from './types';
import { chooseUser, parsePasswd } from './users';

/**
 * Container-based sandboxes (runc, gVisor, Kata): build or find the image, create hardened
 * containers labelled with the sandbox, start them, run the lifecycle commands. A failure at any
 * phase removes what this launch created (containers, images it built).
 */
export class ContainerSandboxes {
  /** Container id → the user terminals run as (found once per container; passwd doesn't change under us). */
  private readonly users = new Map<string, string>();
  /** Container id → the login shell (bash when the image has it), looked up once so attach spawns one process. */
  private readonly shells = new Map<string, Promise<string>>();

  private shellFor(id: string): Promise<string> {
    let s = this.shells.get(id);
    if (!s) {
      s = this.engine.pathExists(id, '/bin/bash').then(
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
    { id: string; session: Promise<InteractiveSession | undefined>; dispose: () => void }
  >();

  constructor(private readonly engine: ContainerEngine) {}

  private info?: { at: number; info: Promise<EngineInfo> };

  /**
   * The engine's runtimes, CPUs and memory (~8 ms a call), reused for INFO_MS: they change only
   * when the daemon is reconfigured, and a runtime missing from the reused copy fetches afresh.
   */
  private async engineInfo(runtime: string, signal?: AbortSignal): Promise<EngineInfo> {
    const c = this.info;
    if (c && Date.now() - c.at < INFO_MS) {
      const i = await c.info.catch(() => undefined);
      if (i && runtime in i.runtimes) return i;
    }
    const fresh = this.engine.info(signal);
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
    const img = await this.engine.inspectImage(image);
    const read = async (): Promise<ImageFacts> => {
      const [passwd, bash] = await Promise.all([
        this.engine.readFile(id, '/etc/passwd'),
        this.engine.pathExists(id, '/bin/bash').catch(() => false),
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
    let stream: InteractiveSession['stream'] | undefined;
    let timer: NodeJS.Timeout | undefined;
    const session = this.shellFor(id)
      .then((sh) =>
        this.engine.execInteractive(id, {
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
  private async takeWarm(name: string): Promise<InteractiveSession | undefined> {
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
    level: Exclude<IsolationLevel, 'microvm'>,
    runtime: string,
    ctx: LaunchContext,
  ): Promise<LaunchReport> {
    const phases = new PhaseRunner(ctx, spec.name);
    const created: string[] = [];
    const builtImages: string[] = [];
    const notes = [...spec.notes];
    try {
      const info = await phases.run('prepare', 'checking the engine', async () => {
        // Both engine round trips at once; the info is only used once the checks passed.
        const infoP = this.engineInfo(runtime, ctx.signal);
        infoP.catch(() => undefined);
        const existing = await this.engine.list({ [LABEL.sandbox]: spec.name });
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
      if (!(runtime in info.runtimes))
        throw new UserError(
          `The engine has no runtime "${runtime}" (it has: ${Object.keys(info.runtimes).join(', ')})`,
        );

      // Images: build what has a Dockerfile, check (or pull) the rest.
      const planned: Array<{ c: ContainerSpec; image: string }> = [];
      for (const c of spec.containers) {
        if (c.build) {
          const tag = builtImageTag(spec.name, c.name);
          const b = c.build;
          const id = await phases.run('build', `building ${tag}`, () =>
            this.engine.build(
              {
                context: b.context,
                dockerfile: b.dockerfile,
                tag,
                args: b.args,
                ...(b.target ? { target: b.target } : {}),
                labels: { [LABEL.built]: spec.name },
              },
              ctx.signal,
              (l) => ctx.log.info(`[build] ${l}`),
            ),
          );
          builtImages.push(id);
          planned.push({ c, image: tag });
        } else if (c.image) {
          const ref = c.image;
          await phases.run('pull', `image ${ref}`, async () => {
            if (await this.engine.inspectImage(ref, ctx.signal)) return;
            try {
              await this.engine.pull(ref, ctx.signal, (l) => ctx.log.debug(`[pull] ${l}`));
            } catch (e) {
              if (isCancelled(e)) throw e;
              throw new UserError(
                `Image ${ref} is not on the engine and could not be pulled: ${messageOf(e)}`,
              );
            }
          });
          planned.push({ c, image: ref });
        } else {
          throw new UserError(`Container ${c.name} has no image`);
        }
      }

      let first: string | undefined;
      let userLookup: Promise<{ user: string; note?: string }> | undefined;
      for (const [i, { c, image }] of planned.entries()) {
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
          this.engine.create({ name, image, body }, ctx.signal),
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
        await phases.run('start', `container ${name}`, () => this.engine.start(id, ctx.signal));
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
        await this.engine.remove(id).catch((x: unknown) => ctx.log.error(`cleanup: ${messageOf(x)}`));
      for (const id of builtImages)
        await this.engine.removeImage(id).catch((x: unknown) => ctx.log.error(`cleanup: ${messageOf(x)}`));
      // A build that failed leaves no tagged image, but may leave dangling ones labelled by us.
      for (const img of await this.engine.listImages({ [LABEL.built]: spec.name }).catch(() => []))
        await this.engine.removeImage(img.id).catch(() => undefined);
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
    const r = await this.engine.exec(
      id,
      {
        cmd: argvOf(c),
        user,
        ...(spec.workspace ? { workingDir: spec.workspace.target } : {}),
        env: spec.remoteEnv,
      },
      ctx.signal,
    );
    for (const l of (r.stdout + r.stderr).split('\n')) if (l.trim()) ctx.log.info(`[${what}] ${l}`);
    if (r.exitCode !== 0)
      throw new UserError(
        `${what} failed with exit code ${r.exitCode}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`,
      );
  }

  /** Every container sandbox on the engine, grouped by sandbox name. */
  async list(): Promise<SandboxInfo[]> {
    const all = await this.engine.list({ [LABEL.sandbox]: true });
    const by = new Map<string, ContainerSummary[]>();
    for (const c of all) {
      const n = c.labels[LABEL.sandbox];
      if (n === undefined) continue;
      const group = by.get(n);
      if (group) group.push(c);
      else by.set(n, [c]);
    }
    return [...by.entries()].flatMap(([name, cs]) => toInfo(name, cs) ?? []);
  }

  async find(name: string): Promise<SandboxInfo | undefined> {
    const cs = await this.engine.list({ [LABEL.sandbox]: name });
    return toInfo(name, cs);
  }

  /** The spec a sandbox was created from (stored in its labels). */
  async specOf(name: string): Promise<SandboxSpec | undefined> {
    return specFrom(await this.engine.list({ [LABEL.sandbox]: name }));
  }

  async stop(name: string): Promise<void> {
    this.dropWarm(name);
    const cs = await this.engine.list({ [LABEL.sandbox]: name });
    // Siblings first: they share the first container's network.
    for (const c of sortMainLast(cs)) await this.engine.stop(c.id, 3);
  }

  /** Stops and starts the containers and runs postStartCommand (never postCreateCommand again). */
  async restart(name: string, ctx: LaunchContext): Promise<LaunchReport> {
    const phases = new PhaseRunner(ctx, name);
    const cs = await this.engine.list({ [LABEL.sandbox]: name });
    const main = mainOf(cs);
    if (!main) throw new UserError(`No sandbox named ${name}`);
    const spec = specFrom(cs);
    this.dropWarm(name);
    await phases.run('start', 'restarting', async () => {
      await this.stop(name);
      for (const c of sortMainLast(cs).reverse()) await this.engine.start(c.id, ctx.signal);
    });
    if (spec?.postStartCommand) {
      const user = await this.resolveUser(main.id, spec, main.image);
      const ps = spec.postStartCommand;
      await phases.run('post-start', 'postStartCommand', () =>
        this.runLifecycle(main.id, spec, user.user, ps, 'postStartCommand', ctx),
      );
    }
    const info = await this.find(name);
    return { name, level: info?.level ?? 'container', timings: phases.timings, notes: [], info: info! };
  }

  /** Removes the containers and any image Podvisor built for the sandbox. Never touches the workspace. */
  async remove(name: string): Promise<void> {
    this.dropWarm(name);
    const cs = await this.engine.list({ [LABEL.sandbox]: name });
    for (const c of sortMainLast(cs)) await this.engine.remove(c.id);
    for (const img of await this.engine.listImages({ [LABEL.built]: name }))
      await this.engine.removeImage(img.id);
  }

  /** A TTY shell (or `cmd`) in the sandbox's main container, as its user, in the workspace. */
  async attach(
    name: string,
    opts: { cmd?: readonly string[]; cols?: number; rows?: number } = {},
  ): Promise<InteractiveSession> {
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
    const cs = await this.engine.list({ [LABEL.sandbox]: name });
    const main = mainOf(cs);
    if (!main) throw new UserError(`No sandbox named ${name}`);
    if (main.state !== 'running') throw new UserError(`Sandbox ${name} is ${main.state}; start it first`);
    const spec = specFrom(cs);
    const user = { user: await this.userFor(main.id, spec, main.image) };
    const shell = [await this.shellFor(main.id), '-l'];
    return this.engine.execInteractive(main.id, {
      cmd: opts.cmd ?? shell,
      ...(user.user ? { user: user.user } : {}),
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
    const cs = await this.engine.list({ [LABEL.sandbox]: name });
    const main = mainOf(cs);
    if (!main) throw new UserError(`No sandbox named ${name}`);
    const spec = await this.specOf(name);
    const user = spec ? await this.resolveUser(main.id, spec, main.image) : { user: '' };
    return this.engine.exec(
      main.id,
      {
        cmd,
        ...(user.user ? { user: user.user } : {}),
        ...(spec?.workspace ? { workingDir: spec.workspace.target } : {}),
        env: spec?.remoteEnv ?? {},
      },
      signal,
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

/** The spec a sandbox was created from (stored in its labels). */
function specFrom(cs: readonly ContainerSummary[]): SandboxSpec | undefined {
  const raw = cs[0]?.labels[LABEL.spec];
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as SandboxSpec;
  } catch {
    return undefined;
  }
}

/** The main container (index 0, it owns the network) last, so stop/remove take siblings first. */
function sortMainLast(cs: readonly ContainerSummary[]): ContainerSummary[] {
  return [...cs].sort((a, b) => indexOf(b) - indexOf(a));
}

const indexOf = (c: ContainerSummary) => Number(c.labels[LABEL.index] ?? 0);

/** The main container (the lowest index), or undefined when there are no containers. */
function mainOf(cs: readonly ContainerSummary[]): ContainerSummary | undefined {
  return cs.reduce<ContainerSummary | undefined>(
    (m, c) => (!m || indexOf(c) <= indexOf(m) ? c : m),
    undefined,
  );
}

/** A sandbox's summary from its containers, or undefined when it has none. */
function toInfo(name: string, cs: readonly ContainerSummary[]): SandboxInfo | undefined {
  const main = mainOf(cs);
  if (!main) return undefined;
  let source: SandboxSource = { kind: 'image', label: main.image };
  try {
    source = JSON.parse(main.labels[LABEL.source] ?? '') as SandboxSource;
  } catch {
    /* keep the image as the source */
  }
  const states = cs.map((c) => c.state);
  const state: SandboxInfo['state'] = states.every((s) => s === 'running')
    ? 'running'
    : states.includes('created') && !states.includes('exited')
      ? 'created'
      : states.some((s) => s === 'running')
        ? 'failed'
        : 'stopped';
  const workspace = main.labels[LABEL.workspace];
  const workspaceTarget = main.labels[LABEL.workspaceTarget];
  return {
    name,
    level: (main.labels[LABEL.level] as IsolationLevel | undefined) ?? 'container',
    source,
    state,
    ports: cs.flatMap((c) => c.ports.filter((p) => p.host > 0)),
    ids: cs.map((c) => c.id),
    ...(workspace ? { workspace } : {}),
    ...(workspaceTarget ? { workspaceTarget } : {}),
    createdAt: new Date(main.created * 1000).toISOString(),
  };
}
