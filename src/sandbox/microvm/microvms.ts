import * as fs from 'fs';
import * as path from 'path';
import { CancelledError, UserError, isCancelled, messageOf } from '../../common/errors';
import {
  attachVm,
  launchVm,
  probeKvm,
  resolveAcceleration,
  vmPaths,
  freePort,
  type VmHandle,
  type VmSpec,
} from '../../backends/qemu';
import { createOverlay } from '../../backends/qemu/images';
import type { ContainerEngine, InteractiveSession } from '../engine';
import { argvOf, shQuote } from '../lifecycle';
import { builtImageTag, LABEL } from '../names';
import { PhaseRunner, type LaunchContext } from '../phases';
import type { LaunchReport, LifecycleCommand, SandboxInfo, SandboxSpec } from '../types';
import { runOnConsole } from './console';
import { ensureInitramfs, SANDBOX_UP, writeSandboxInitramfs } from './initramfs';
import { resolveKernel } from './kernel';
import { ensureRootDisk } from './rootDisk';
import { Duplex } from 'stream';

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
}

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

const META = 'sandbox.json';
const PROMPT = '# ';

/**
 * MicroVM sandboxes: the image's root filesystem as a disk (cached by image id) under a qcow2
 * overlay, Debian's cloud kernel with our busybox initramfs, the workspace over virtiofs,
 * user-mode networking with forwards on 127.0.0.1, and the serial console as the terminal and
 * the command channel. QEMU itself is run by the qemu backend's launcher.
 */
export class MicroVmSandboxes {
  private readonly handles = new Map<string, VmHandle>();

  constructor(
    private readonly engine: ContainerEngine,
    private readonly opts: MicroVmOptions,
  ) {}

  private dir(name: string): string {
    return path.join(this.opts.home, name);
  }

  async launch(spec: SandboxSpec, ctx: LaunchContext): Promise<LaunchReport> {
    const phases = new PhaseRunner(ctx, spec.name);
    const dir = this.dir(spec.name);
    const notes = [...spec.notes];
    let createdDir = false;
    const builtImages: string[] = [];
    try {
      const [c, ...others] = spec.containers;
      if (!c || others.length)
        throw new UserError(
          'A microVM sandbox runs one container image; use a container level for a multi-container Pod',
        );
      const { kernel, initrd, accel } = await phases.run(
        'prepare',
        'kernel, initramfs, accelerator',
        async () => {
          if (fs.existsSync(path.join(dir, META)))
            throw new UserError(`A sandbox named ${spec.name} already exists; open, restart or remove it`);
          if (spec.workspace && !fs.existsSync(spec.workspace.hostPath))
            throw new UserError(`Workspace folder ${spec.workspace.hostPath} does not exist`);
          const k = await resolveKernel(this.opts.kernel, this.opts.cacheDir, ctx.signal);
          const i = await ensureInitramfs(k, this.opts.cacheDir, ctx.signal);
          const a = resolveAcceleration('auto', 'auto', await probeKvm());
          ctx.log.info(`sandbox ${spec.name}: kernel ${k.vmlinuz}, accelerator ${a.accel} (${a.why})`);
          return { kernel: k, initrd: i, accel: a };
        },
      );
      let image: string;
      if (c.build) {
        const b = c.build;
        const tag = builtImageTag(spec.name, c.name);
        builtImages.push(
          await phases.run('build', `building ${tag}`, () =>
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
          ),
        );
        image = tag;
      } else {
        if (!c.image) throw new UserError(`Container ${c.name} has no image`);
        image = c.image;
        await phases.run('pull', `image ${image}`, async () => {
          if (await this.engine.inspectImage(image, ctx.signal)) return;
          try {
            await this.engine.pull(image, ctx.signal, (l) => ctx.log.debug(`[pull] ${l}`));
          } catch (e) {
            if (isCancelled(e)) throw e;
            throw new UserError(
              `Image ${image} is not on the engine and could not be pulled: ${messageOf(e)}`,
            );
          }
        });
      }
      const disk = await phases.run('disk', `root disk of ${image}`, () =>
        ensureRootDisk(
          this.engine,
          image,
          spec.name,
          this.opts.diskDir ?? path.join(this.opts.cacheDir, 'disks'),
          ctx.signal,
        ),
      );
      ctx.log.info(`sandbox ${spec.name}: root disk ${disk.file}${disk.cached ? ' (cached)' : ''}`);

      fs.mkdirSync(dir, { recursive: true });
      createdDir = true;
      const ports: Meta['ports'] = [];
      for (const p of c.ports)
        ports.push({ container: p.container, host: p.host || (await freePort()), protocol: p.protocol });
      await phases.run('create', 'overlay disk and VM', async () => {
        await createOverlay(disk.file, 'raw', path.join(dir, 'overlay.qcow2'), ctx.signal);
        await writeSandboxInitramfs(
          initrd,
          path.join(dir, 'initrd.cpio'),
          { ...(spec.workspace ? { PV_WS: spec.workspace.target } : {}) },
          { ...c.env, ...spec.remoteEnv },
          ctx.signal,
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
        spec,
        image,
        imageId: disk.imageId,
        ports,
        postCreateDone: false,
        createdAt: new Date().toISOString(),
      };
      this.writeMeta(meta);
      if (spec.remoteUser && spec.remoteUser !== 'root')
        notes.push(
          `microVM: terminals and lifecycle commands run as root inside the VM (remoteUser "${spec.remoteUser}" is not switched to; the VM is the boundary)`,
        );
      await this.boot(spec.name, vm, accel, phases, ctx);
      if (spec.postCreateCommand) {
        const pc = spec.postCreateCommand;
        await phases.run('post-create', 'postCreateCommand', () =>
          this.lifecycle(spec.name, pc, 'postCreateCommand', ctx),
        );
      }
      meta.postCreateDone = true;
      this.writeMeta(meta);
      if (spec.postStartCommand) {
        const ps = spec.postStartCommand;
        await phases.run('post-start', 'postStartCommand', () =>
          this.lifecycle(spec.name, ps, 'postStartCommand', ctx),
        );
      }
      for (const n of notes) ctx.log.warn(`sandbox ${spec.name}: ${n}`);
      return {
        name: spec.name,
        level: 'microvm',
        timings: phases.timings,
        notes,
        info: (await this.find(spec.name))!,
      };
    } catch (e) {
      ctx.log.warn(`sandbox ${spec.name}: launch failed (${messageOf(e)}); cleaning up`);
      const h = this.handles.get(spec.name);
      if (h) await h.forceOff(2000).catch(() => undefined);
      this.handles.delete(spec.name);
      if (createdDir) fs.rmSync(dir, { recursive: true, force: true });
      for (const id of builtImages) await this.engine.removeImage(id).catch(() => undefined);
      // Whatever broke once the user cancelled (a closed console, an aborted request) is the cancel.
      if (ctx.signal?.aborted) throw new CancelledError();
      throw e;
    }
  }

  private async boot(
    name: string,
    vm: VmSpec,
    accel: Awaited<ReturnType<typeof resolveAcceleration>>,
    phases: PhaseRunner,
    ctx: LaunchContext,
  ): Promise<void> {
    await phases.run('start', `booting (${accel.accel})`, async () => {
      const h = await launchVm({
        spec: vm,
        paths: vmPaths(this.dir(name)),
        accel,
        log: ctx.log,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      this.handles.set(name, h);
      h.once('exit', () => this.handles.delete(name));
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

  private async lifecycle(
    name: string,
    c: LifecycleCommand,
    what: string,
    ctx: LaunchContext,
  ): Promise<void> {
    const line = 'shell' in c ? c.shell : argvOf(c).map(shQuote).join(' ');
    const r = await this.exec(name, line, 600_000);
    for (const l of r.output.split('\n')) if (l.trim()) ctx.log.info(`[${what}] ${l}`);
    if (r.exitCode !== 0)
      throw new UserError(
        `${what} failed with exit code ${r.exitCode}: ${r.output.trim().split('\n').slice(-3).join(' | ')}`,
      );
  }

  private writeMeta(m: Meta): void {
    fs.writeFileSync(path.join(this.dir(m.name), META), JSON.stringify(m, null, 2));
  }

  private readMeta(name: string): Meta | undefined {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dir(name), META), 'utf8')) as Meta;
    } catch {
      return undefined;
    }
  }

  private async handle(name: string): Promise<VmHandle | undefined> {
    const h = this.handles.get(name);
    if (h && h.state !== 'stopped') return h;
    const vmFile = path.join(this.dir(name), 'spec.json');
    if (!fs.existsSync(vmFile)) return undefined;
    const accel = resolveAcceleration('auto', 'auto', await probeKvm());
    const a = await attachVm(vmPaths(this.dir(name)), accel).catch(() => undefined);
    if (a) {
      this.handles.set(name, a);
      a.once('exit', () => this.handles.delete(name));
    }
    return a;
  }

  private running(name: string): boolean {
    const p = vmPaths(this.dir(name));
    try {
      const pid = Number(fs.readFileSync(p.pidfile, 'utf8').trim());
      process.kill(pid, 0);
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(p.pidfile);
    } catch {
      return false;
    }
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
    const m = this.readMeta(name);
    if (!m) return undefined;
    return {
      name,
      level: 'microvm',
      source: m.spec.source,
      state: this.running(name) ? 'running' : 'stopped',
      ports: m.ports.map((p) => ({ ...p, hostIp: '127.0.0.1' })),
      ids: [this.dir(name)],
      ...(m.spec.workspace
        ? { workspace: m.spec.workspace.hostPath, workspaceTarget: m.spec.workspace.target }
        : {}),
      user: 'root',
      createdAt: m.createdAt,
    };
  }

  specOf(name: string): SandboxSpec | undefined {
    return this.readMeta(name)?.spec;
  }

  /** Runs a command line on the console shell (root, in the workspace). */
  async exec(name: string, line: string, timeoutMs = 60_000): Promise<{ exitCode: number; output: string }> {
    const h = await this.handle(name);
    if (!h) throw new UserError(`Sandbox ${name} is not running`);
    return runOnConsole(h.serial, line, timeoutMs);
  }

  /** The serial console as an interactive session (the terminal). */
  async attach(name: string): Promise<InteractiveSession> {
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
    // A fresh prompt for the newcomer (the shell is already waiting).
    setTimeout(() => serial.write('\n'), 50);
    return { stream, resize: async () => undefined, exitCode: async () => undefined };
  }

  async stop(name: string): Promise<void> {
    const h = await this.handle(name);
    if (!h) return;
    // Flush the overlay's filesystem before QEMU goes: the guest has no other shutdown path.
    await runOnConsole(h.serial, 'sync', 10_000).catch(() => undefined);
    await h.forceOff(3000);
    this.handles.delete(name);
  }

  /** Boots again from the same overlay; runs postStartCommand only (postCreateCommand ran once). */
  async restart(name: string, ctx: LaunchContext): Promise<LaunchReport> {
    const m = this.readMeta(name);
    if (!m) throw new UserError(`No sandbox named ${name}`);
    await this.stop(name);
    const phases = new PhaseRunner(ctx, name);
    const vm = JSON.parse(fs.readFileSync(path.join(this.dir(name), 'spec.json'), 'utf8')) as VmSpec;
    const accel = resolveAcceleration('auto', 'auto', await probeKvm());
    await this.boot(name, vm, accel, phases, ctx);
    if (m.spec.postCreateCommand && !m.postCreateDone) {
      const pc = m.spec.postCreateCommand;
      await phases.run('post-create', 'postCreateCommand', () =>
        this.lifecycle(name, pc, 'postCreateCommand', ctx),
      );
      m.postCreateDone = true;
      this.writeMeta(m);
    }
    if (m.spec.postStartCommand) {
      const ps = m.spec.postStartCommand;
      await phases.run('post-start', 'postStartCommand', () =>
        this.lifecycle(name, ps, 'postStartCommand', ctx),
      );
    }
    return { name, level: 'microvm', timings: phases.timings, notes: [], info: (await this.find(name))! };
  }

  /** Stops the VM and deletes its folder (overlay, settings); the cached image disk stays for reuse. */
  async remove(name: string): Promise<void> {
    await this.stop(name);
    fs.rmSync(this.dir(name), { recursive: true, force: true });
    for (const img of await this.engine.listImages({ [LABEL.built]: name }).catch(() => []))
      await this.engine.removeImage(img.id).catch(() => undefined);
  }
}
