import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duplex } from 'stream';
import type { DockerClient } from '../../backends/docker/client';
import {
  freePort,
  probeKvm,
  resolveAcceleration,
  vmPaths,
  VmStore,
  type VmHandle,
  type VmSpec,
} from '../../backends/qemu';
import { createOverlay } from '../../backends/qemu/images';
import { CancelledError, UserError, messageOf } from '../../common/errors';
import { silentLogger, type Logger } from '../../common/log';
import type { AttachOptions, InteractiveSession, SandboxBackend } from '../backend';
import { runningQemuPid } from '../../backends/qemu/pidfile';
import { processRunner, type Runner } from '../../common/process';
import { runCreateHooks, runHook, tailOf, waitForOf, type HookResult, type HookRunner } from '../hooks';
import { prepareImage } from '../imagePrep';
import { runInitialize } from '../initialize';
import { checkHostRequirements, levelSupport } from '../levelSupport';
import { shellLineOf } from '../lifecycle';
import { LABEL } from '../names';
import { PhaseRunner, type LaunchContext } from '../phases';
import { parseSandboxSpec } from '../specParse';
import type { IsolationLevel, LaunchReport, SandboxInfo, SandboxSpec } from '../types';
import { envMap, resolveContainerEnv } from '../devcontainer/variables';
import { consoleLine, runOnConsole } from './console';
import { ensureInitramfs, SANDBOX_UP, writeSandboxInitramfs } from './initramfs';
import { resolveKernel } from '../../backends/qemu/kernel';
import { ensureRootDisk } from './rootDisk';

export interface MicroVmOptions {
  /** Folder holding one folder per microVM sandbox. */
  readonly home: string;
  /** Cache for kernels, the initramfs and image disks (shared by sandboxes). */
  readonly cacheDir: string;
  /** `podvisor.sandbox.kernel` (empty: Debian's cloud kernel). */
  readonly kernel: string;
  /** Where image disks are cached (default `<cacheDir>/disks`): they are the big files. */
  readonly diskDir?: string;
  readonly bootTimeoutMs?: number;
  readonly log?: Logger;
  /** Runs QEMU, qemu-img and the disk/initramfs tools (default: the real runner); tests may wrap it. */
  readonly runner?: Runner;
}

/** The engine that turns images into disks: a client, or a getter (the editor's engine may change). */
export type EngineSource = DockerClient | (() => Promise<DockerClient>);

/** What a microVM sandbox's folder records about it (sandbox.json), so it is found after a reload. */
interface Meta {
  readonly name: string;
  readonly spec: SandboxSpec;
  readonly image: string;
  readonly imageId: string;
  readonly ports: Array<{ container: number; host: number; protocol: string }>;
  postCreateDone: boolean;
  readonly createdAt: string;
}

/** sandbox.json, checked: a file someone edited gives a problem to show, not a cast. */
function parseMeta(x: unknown, where: string): Meta {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new Error(`${where} is not an object`);
  const o = x as Record<string, unknown>;
  const str = (k: string): string => {
    const v = o[k];
    if (typeof v !== 'string') throw new Error(`${where}: ${k} is not a string`);
    return v;
  };
  if (!Array.isArray(o.ports)) throw new Error(`${where}: ports is not a list`);
  const ports = o.ports.map((p, i) => {
    const q = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
    if (typeof q.container !== 'number' || typeof q.host !== 'number' || typeof q.protocol !== 'string')
      throw new Error(`${where}: ports[${i}] is not { container, host, protocol }`);
    return { container: q.container, host: q.host, protocol: q.protocol };
  });
  if (typeof o.postCreateDone !== 'boolean') throw new Error(`${where}: postCreateDone is not true or false`);
  return {
    name: str('name'),
    spec: parseSandboxSpec(o.spec, `${where}: spec`),
    image: str('image'),
    imageId: str('imageId'),
    ports,
    postCreateDone: o.postCreateDone,
    createdAt: str('createdAt'),
  };
}

const META = 'sandbox.json';
const PROMPT = '# ';

/**
 * MicroVM sandboxes: the image's root filesystem as a disk (cached by image id) under a qcow2
 * overlay, Debian's cloud kernel with our busybox initramfs, the workspace over virtiofs,
 * user-mode networking with forwards on 127.0.0.1, and the serial console as the terminal and
 * the command channel. QEMU itself is run by the qemu backend's launcher.
 */
export class MicroVmSandboxes implements SandboxBackend {
  readonly kind = 'microvm';
  /** The QEMU VMs behind the sandboxes: handles, QMP and exit events, re-attach after a reload. */
  readonly vms: VmStore;
  private readonly listeners = new Set<(name: string | undefined) => void>();
  private readonly attached: Promise<void>;
  private readonly runner: Runner;

  constructor(
    private readonly engine: EngineSource,
    readonly opts: MicroVmOptions,
  ) {
    this.runner = opts.runner ?? processRunner;
    this.vms = new VmStore(
      opts.home,
      { accelerator: 'auto', cpuModel: 'auto' },
      opts.log ?? silentLogger,
      this.runner,
    );
    this.vms.onChange((c) => {
      if (c.ids === 'all' || c.status) this.changed(undefined);
      else for (const name of c.ids) this.changed(name);
    });
    // VMs still running from before (a window reload): their handles come back through the pidfile.
    this.attached = this.vms.attachRunning().catch(() => undefined);
  }

  /** Fires with a sandbox name (or undefined: any) whenever a microVM sandbox appears, changes state or goes. */
  onChange(listener: (name: string | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(name: string | undefined): void {
    for (const l of [...this.listeners]) l(name);
  }

  private client(): Promise<DockerClient> {
    return typeof this.engine === 'function' ? this.engine() : Promise.resolve(this.engine);
  }

  private dir(name: string): string {
    return path.join(this.opts.home, name);
  }

  async launch(
    spec: SandboxSpec,
    level: IsolationLevel,
    _runtime: string,
    ctx: LaunchContext,
  ): Promise<LaunchReport> {
    if (level !== 'microvm')
      throw new UserError(`A ${level} sandbox is not a microVM: launch it on the engine`);
    const engine = await this.client();
    const phases = new PhaseRunner(ctx, spec.name);
    const dir = this.dir(spec.name);
    const notes = [...spec.notes];
    let createdDir = false;
    const builtImages: string[] = [];
    try {
      const support = levelSupport(spec, 'microvm');
      if (support.refusal) throw new UserError(support.refusal);
      notes.push(...support.notes);
      const [c] = spec.containers;
      if (!c) throw new UserError(`Sandbox ${spec.name} has no containers`);
      checkHostRequirements(spec, { cpus: os.cpus().length, memoryBytes: os.totalmem() }, 'this machine');
      await runInitialize(spec, this.runner, phases, ctx);
      const { kernel, initrd, accel } = await phases.run(
        'prepare',
        'kernel, initramfs, accelerator',
        async () => {
          if (fs.existsSync(path.join(dir, META)))
            throw new UserError(`A sandbox named ${spec.name} already exists; open, restart or remove it`);
          if (spec.workspace && !fs.existsSync(spec.workspace.hostPath))
            throw new UserError(`Workspace folder ${spec.workspace.hostPath} does not exist`);
          const k = await resolveKernel(this.opts.kernel, this.opts.cacheDir, ctx.signal, this.runner);
          const i = await ensureInitramfs(k, this.opts.cacheDir, ctx.signal, this.runner);
          const a = resolveAcceleration('auto', 'auto', await probeKvm(false, this.runner));
          ctx.log.info(`sandbox ${spec.name}: kernel ${k.vmlinuz}, accelerator ${a.accel} (${a.why})`);
          return { kernel: k, initrd: i, accel: a };
        },
      );
      // The same image as the container levels: the Dockerfile, the features layer (cached).
      const prep = await prepareImage(engine, spec, c, phases, ctx, {
        cacheDir: this.opts.cacheDir,
        runner: this.runner,
      });
      const eff = prep.spec;
      const imageEnv = {
        ...envMap((await engine.imageConfig(prep.image, { signal: ctx.signal }))?.env ?? []),
        ...c.env,
      };
      builtImages.push(...prep.built);
      const image = prep.image;
      const disk = await phases.run('disk', `root disk of ${image}`, () =>
        ensureRootDisk(
          engine,
          image,
          spec.name,
          this.opts.diskDir ?? path.join(this.opts.cacheDir, 'disks'),
          ctx.signal,
          this.runner,
        ),
      );
      ctx.log.info(`sandbox ${spec.name}: root disk ${disk.file}${disk.cached ? ' (cached)' : ''}`);

      fs.mkdirSync(dir, { recursive: true });
      createdDir = true;
      const ports: Meta['ports'] = [];
      for (const p of c.ports)
        ports.push({ container: p.container, host: p.host || (await freePort()), protocol: p.protocol });
      await phases.run('create', 'overlay disk and VM', async () => {
        await createOverlay(disk.file, 'raw', path.join(dir, 'overlay.qcow2'), ctx.signal, this.runner);
        await writeSandboxInitramfs(
          initrd,
          path.join(dir, 'initrd.cpio'),
          { ...(spec.workspace ? { PV_WS: spec.workspace.target } : {}) },
          // The image's ENV (features' containerEnv among it), containerEnv, then remoteEnv.
          { ...imageEnv, ...resolveContainerEnv(eff.remoteEnv, imageEnv) },
          ctx.signal,
          this.runner,
        );
      });
      const cpus = Math.max(1, Math.min(c.limits.cpus ? Math.ceil(c.limits.cpus) : 1, 4));
      const memoryMiB = Math.max(
        256,
        Math.min(c.limits.memoryBytes ? Math.ceil(c.limits.memoryBytes / 1024 ** 2) : 512, 8192),
      );
      const vm: VmSpec = {
        version: 1,
        name: spec.name,
        cpus,
        memoryMiB,
        machine: 'microvm',
        kernel: kernel.vmlinuz,
        initrd: 'initrd.cpio',
        cmdline: 'console=ttyS0 panic=-1 quiet loglevel=1',
        disks: [{ file: 'overlay.qcow2', format: 'qcow2', base: disk.file }],
        network: {
          mode: 'user',
          forwards: ports.map((p) => ({
            host: p.host,
            guest: p.container,
            proto: p.protocol === 'udp' ? 'udp' : 'tcp',
          })),
        },
        shares: spec.workspace
          ? [
              {
                tag: 'workspace',
                path: spec.workspace.hostPath,
                ...(spec.workspace.readonly ? { readOnly: true } : {}),
              },
            ]
          : [],
        createdAt: new Date().toISOString(),
      };
      fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(vm, null, 2));
      const meta: Meta = {
        name: spec.name,
        spec: eff,
        image,
        imageId: disk.imageId,
        ports,
        postCreateDone: false,
        createdAt: new Date().toISOString(),
      };
      this.writeMeta(meta);
      this.changed(spec.name);
      await this.boot(spec.name, accel, phases, ctx);
      const hooks = this.hookRunner(spec.name, ctx);
      await runCreateHooks(
        eff,
        hooks,
        phases,
        ctx.background
          ? {
              ...ctx,
              background: (rest, names) => {
                // postCreate is done once the rest (postStart at the latest) has run.
                ctx.background?.(
                  rest.then(() => this.markCreated(spec.name)),
                  names,
                );
              },
            }
          : ctx,
      );
      if (!ctx.background || waitForOf(eff) === 'postStartCommand') this.markCreated(spec.name);
      for (const n of notes) ctx.log.warn(`sandbox ${spec.name}: ${n}`);
      const info = await this.find(spec.name);
      if (!info) throw new UserError(`Sandbox ${spec.name} disappeared right after it started`);
      return { name: spec.name, level: 'microvm', timings: phases.timings, notes, info };
    } catch (e) {
      ctx.log.warn(`sandbox ${spec.name}: launch failed (${messageOf(e)}); cleaning up`);
      const h = this.vms.handle(spec.name);
      if (h) await h.forceOff(2000).catch(() => undefined);
      if (createdDir) fs.rmSync(dir, { recursive: true, force: true });
      for (const id of builtImages)
        await engine.removeImage(id, { force: true, missingOk: true }).catch(() => undefined);
      if (createdDir) this.changed(spec.name);
      // Whatever broke once the user cancelled (a closed console, an aborted request) is the cancel.
      if (ctx.signal?.aborted) throw new CancelledError();
      throw e;
    }
  }

  private async boot(
    name: string,
    accel: Awaited<ReturnType<typeof resolveAcceleration>>,
    phases: PhaseRunner,
    ctx: LaunchContext,
  ): Promise<void> {
    await phases.run('start', `booting (${accel.accel})`, async () => {
      // Through the VM store: it reads spec.json back with its checks and reports state and exit.
      const h = await this.vms.start(name, { ...(ctx.signal ? { signal: ctx.signal } : {}) });
      const onAbort = () => void h.forceOff(1000);
      ctx.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const out = await Promise.race([
          h.serial.waitFor(
            new RegExp(`${SANDBOX_UP}|PV-FAIL: [^\\r\\n]*`),
            this.opts.bootTimeoutMs ?? 120_000,
            0,
          ),
          h.exited.then((x) => {
            throw new UserError(
              `The microVM stopped while booting: ${x.reason ?? `exit ${x.code ?? x.signal}`}`,
            );
          }),
        ]);
        const fail = /PV-FAIL: ([^\r\n]*)/.exec(out);
        if (fail) throw new UserError(`The microVM could not start the sandbox: ${fail[1]}`);
        await h.serial.waitFor(PROMPT, 30_000);
      } finally {
        ctx.signal?.removeEventListener('abort', onAbort);
      }
    });
  }

  /** Hooks on the serial console: one command at a time (the object form as background jobs). */
  private hookRunner(name: string, ctx: LaunchContext): HookRunner {
    const one = async (line: string, label: string): Promise<HookResult> => {
      const r = await this.exec(name, line, 600_000);
      ctx.output?.(r.output);
      for (const l of r.output.split('\n')) if (l.trim()) ctx.log.info(`[${label}] ${l}`);
      return { exitCode: r.exitCode, tail: tailOf(r.output) };
    };
    return {
      run: (cmd, label) => one(shellLineOf(cmd), label),
      runParallel: (cmd, label) => one(shellLineOf(cmd), label),
    };
  }

  private markCreated(name: string): void {
    const m = this.readMeta(name)?.meta;
    if (!m) return;
    m.postCreateDone = true;
    this.writeMeta(m);
  }

  /** postAttachCommand on the console (an editor attached). */
  async postAttach(name: string, ctx: LaunchContext): Promise<void> {
    const m = this.meta(name);
    await runHook(m.spec, 'postAttachCommand', this.hookRunner(name, ctx), new PhaseRunner(ctx, name), ctx);
  }

  private writeMeta(m: Meta): void {
    fs.writeFileSync(path.join(this.dir(m.name), META), JSON.stringify(m, null, 2));
  }

  /** sandbox.json: absent (undefined), or checked (a problem when it does not parse). */
  private readMeta(name: string): { meta?: Meta; problem?: string } | undefined {
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.dir(name), META), 'utf8');
    } catch {
      return undefined;
    }
    try {
      return { meta: parseMeta(JSON.parse(text), `${name}/${META}`) };
    } catch (e) {
      return { problem: e instanceof SyntaxError ? `${name}/${META} is not JSON` : (e as Error).message };
    }
  }

  private meta(name: string): Meta {
    const m = this.readMeta(name);
    if (!m) throw new UserError(`No sandbox named ${name}`);
    if (!m.meta) throw new UserError(`Sandbox ${name} cannot be used: ${m.problem}`);
    return m.meta;
  }

  private async handle(name: string): Promise<VmHandle | undefined> {
    await this.attached;
    const h = this.vms.handle(name);
    if (h && h.state !== 'stopped') return h;
    // Started by another window since: re-attach through its pidfile.
    if (this.running(name)) await this.vms.attachRunning().catch(() => undefined);
    const a = this.vms.handle(name);
    return a && a.state !== 'stopped' ? a : undefined;
  }

  private running(name: string): boolean {
    return runningQemuPid(vmPaths(this.dir(name))) !== undefined;
  }

  async list(): Promise<SandboxInfo[]> {
    if (!fs.existsSync(this.opts.home)) return [];
    const out: SandboxInfo[] = [];
    for (const n of fs.readdirSync(this.opts.home)) {
      const i = await this.find(n);
      if (i) out.push(i);
    }
    return out;
  }

  async find(name: string): Promise<SandboxInfo | undefined> {
    const r = this.readMeta(name);
    if (!r) return undefined;
    const h = this.vms.handle(name);
    const state: SandboxInfo['state'] = (h ? h.state !== 'stopped' : this.running(name))
      ? 'running'
      : 'stopped';
    const m = r.meta;
    if (!m)
      return {
        name,
        level: 'microvm',
        source: { kind: 'image', label: '?' },
        state,
        ports: [],
        ids: [this.dir(name)],
        ...(r.problem ? { problem: r.problem } : {}),
      };
    return {
      name,
      level: 'microvm',
      source: m.spec.source,
      state,
      ports: m.ports.map((p) => ({ ...p, hostIp: '127.0.0.1' })),
      ids: [this.dir(name)],
      ...(m.spec.workspace
        ? { workspace: m.spec.workspace.hostPath, workspaceTarget: m.spec.workspace.target }
        : {}),
      user: 'root',
      createdAt: m.createdAt,
    };
  }

  async specOf(name: string): Promise<SandboxSpec | undefined> {
    return this.readMeta(name)?.meta?.spec;
  }

  /** Runs a command line on the console shell (root, in the workspace). */
  async exec(name: string, line: string, timeoutMs = 60_000): Promise<{ exitCode: number; output: string }> {
    const h = await this.handle(name);
    if (!h) throw new UserError(`Sandbox ${name} is not running`);
    return runOnConsole(h.serial, line, timeoutMs);
  }

  /**
   * The serial console as an interactive session (the terminal). The console has no exec: a
   * `cmd` is typed into its shell, each argument quoted for that shell.
   */
  async attach(name: string, opts: AttachOptions = {}): Promise<InteractiveSession> {
    const h = await this.handle(name);
    if (!h) throw new UserError(`Sandbox ${name} is not running`);
    const serial = h.serial;
    const stream = new Duplex({
      read() {
        /* pushed from the serial listener */
      },
      write(chunk: Buffer, _enc, cb) {
        serial.write(chunk);
        cb();
      },
    });
    const onData = (d: Buffer) => stream.push(d);
    const onClose = () => stream.push(null);
    serial.on('data', onData);
    serial.on('close', onClose);
    stream.on('close', () => {
      serial.off('data', onData);
      serial.off('close', onClose);
    });
    // A fresh prompt for the newcomer (the shell is already waiting), or the command to run.
    const line = opts.cmd?.length ? consoleLine(opts.cmd) : '';
    setTimeout(() => serial.write(`${line}\n`), 50);
    return { stream, resize: async () => undefined, exitCode: async () => undefined };
  }

  async stop(name: string): Promise<void> {
    const h = await this.handle(name);
    if (!h) return;
    // Flush the overlay's filesystem before QEMU goes: the guest has no other shutdown path.
    await runOnConsole(h.serial, 'sync', 10_000).catch(() => undefined);
    await h.forceOff(3000);
  }

  /** Boots again from the same overlay; runs postStartCommand only (postCreateCommand ran once). */
  async restart(name: string, ctx: LaunchContext): Promise<LaunchReport> {
    const m = this.meta(name);
    await this.stop(name);
    const phases = new PhaseRunner(ctx, name);
    const accel = resolveAcceleration('auto', 'auto', await probeKvm(false, this.runner));
    await runInitialize(m.spec, this.runner, phases, ctx);
    await this.boot(name, accel, phases, ctx);
    const hooks = this.hookRunner(name, ctx);
    if (!m.postCreateDone) {
      // The create hooks never finished (a cancelled or failed background run): all of them now.
      await runCreateHooks(m.spec, hooks, phases, { ...ctx, background: undefined });
      this.markCreated(name);
    } else await runHook(m.spec, 'postStartCommand', hooks, phases, ctx);
    const info = await this.find(name);
    if (!info) throw new UserError(`Sandbox ${name} disappeared while it restarted`);
    return { name, level: 'microvm', timings: phases.timings, notes: [], info };
  }

  /** Stops the VM and deletes its folder (overlay, settings); the cached image disk stays for reuse. */
  async remove(name: string): Promise<void> {
    await this.stop(name);
    fs.rmSync(this.dir(name), { recursive: true, force: true });
    this.changed(name);
    const engine = await this.client().catch(() => undefined);
    for (const img of (await engine?.listImages({ labels: { [LABEL.built]: name } }).catch(() => [])) ?? [])
      await engine?.removeImage(img.id, { force: true, missingOk: true }).catch(() => undefined);
  }

  /** Forgets the VM handles (the VMs keep running; a new window re-attaches). */
  dispose(): void {
    this.listeners.clear();
    this.vms.dispose();
  }
}
