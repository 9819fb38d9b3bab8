import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import type { Logger } from '../../common/log';
import type { Settings } from '../../common/settings';
import { loadLazy } from '../../host/lazy';
import type { Session } from '../../backends/docker/sessions';

type SandboxModule = typeof import('../../sandbox');
type DockerModule = typeof import('../../backends/docker');
type ContainerSandboxes = InstanceType<SandboxModule['ContainerSandboxes']>;
type MicroVmSandboxes = InstanceType<SandboxModule['MicroVmSandboxes']>;
type SandboxSpec = import('../../sandbox').SandboxSpec;
type SandboxInfo = import('../../sandbox').SandboxInfo;
type IsolationLevel = import('../../sandbox').IsolationLevel;
type LaunchContext = import('../../sandbox').LaunchContext;
type LaunchReport = import('../../sandbox').LaunchReport;
export type { SandboxModule };

/**
 * The editor's handle on sandboxes: finds the engine (the containers backend's discovery),
 * detects isolation levels, and forwards lifecycle calls to the lazily loaded sandbox bundle.
 * Holds no state a window reload would lose: sandboxes are found again from engine labels.
 */
export class SandboxManager {
  private cached?: {
    endpoint: string;
    sandboxes: ContainerSandboxes;
    engine: InstanceType<SandboxModule['DockerodeEngine']>;
  };

  constructor(
    readonly log: Logger,
    private readonly settings: () => Settings,
    readonly context?: vscode.ExtensionContext,
  ) {}

  module(): SandboxModule {
    return loadLazy<SandboxModule>('sandbox');
  }

  /** The engine endpoint, discovered like the docker CLI (setting, DOCKER_HOST, context, socket). */
  endpoint(): string {
    const s = this.settings().docker as { host: string; context?: string };
    try {
      const d = loadLazy<DockerModule>('docker');
      return d.discoverEndpoint({
        settingHost: s.host,
        settingContext: s.context ?? '',
        env: process.env,
        home: os.homedir(),
      }).host;
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

  private vmCache?: { key: string; vms: MicroVmSandboxes };

  /** Folder of microVM sandboxes and their cache: `podvisor.vm.home`/.sandboxes, else global storage. */
  private storage(): { home: string; cacheDir: string } {
    const vmHome = this.settings().vm.home;
    // Hidden inside the VM home: the VMs view lists its folders, and these are not its VMs.
    const base = vmHome
      ? path.join(vmHome, '.sandboxes')
      : path.join(
          this.context?.globalStorageUri.fsPath ?? path.join(os.homedir(), '.cache', 'podvisor'),
          'sandboxes',
        );
    return { home: path.join(base, 'vms'), cacheDir: path.join(base, 'cache') };
  }

  microvms(): MicroVmSandboxes {
    const st = this.storage();
    const key = `${this.endpoint()}|${st.home}|${this.settings().sandbox.kernel}`;
    if (!this.vmCache || this.vmCache.key !== key) {
      this.vmCache = {
        key,
        vms: new (this.module().MicroVmSandboxes)(this.containers().engine, {
          ...st,
          kernel: this.settings().sandbox.kernel,
        }),
      };
    }
    return this.vmCache.vms;
  }

  async levels(): Promise<ReturnType<SandboxModule['containerLevels']>> {
    const m = this.module();
    let levels;
    try {
      const info = await this.containers().engine.info();
      levels = m.containerLevels(info);
    } catch (e) {
      levels = m.containerLevels(undefined, (e as Error).message);
    }
    const engineUp = levels.some((l) => l.level === 'container' && l.available);
    return [...levels, this.microvmLevel(engineUp)];
  }

  private microvmLevel(engineUp: boolean): ReturnType<SandboxModule['containerLevels']>[number] {
    const qemu = ['/usr/bin/qemu-system-x86_64', '/usr/local/bin/qemu-system-x86_64'].find((p) =>
      fs.existsSync(p),
    );
    const kernel = this.settings().sandbox.kernel;
    let why: string | undefined;
    if (!qemu) why = 'QEMU is not installed (Debian package qemu-system-x86)';
    else if (!engineUp) why = 'the container engine is needed to turn the image into a disk';
    else if (kernel && !fs.existsSync(kernel))
      why = `the kernel ${kernel} (podvisor.sandbox.kernel) does not exist`;
    else if (!kernel && !fs.existsSync('/etc/debian_version'))
      why = 'set podvisor.sandbox.kernel (the default kernel comes from Debian)';
    else if (!fs.existsSync('/usr/lib/qemu/virtiofsd'))
      why = 'virtiofsd is missing (Debian package qemu-system-common)';
    const kvm = fs.existsSync('/dev/kvm') && !fs.existsSync('/sys/module/kvm_pvm');
    return why
      ? { level: 'microvm', available: false, detail: why }
      : {
          level: 'microvm',
          available: true,
          detail: `QEMU ${kvm ? 'with KVM' : 'with TCG (software, slower)'}`,
        };
  }

  async list(): Promise<SandboxInfo[]> {
    const [c, v] = await Promise.all([
      this.containers().sandboxes.list(),
      this.microvms()
        .list()
        .catch(() => []),
    ]);
    return [...c, ...v];
  }

  async find(name: string): Promise<SandboxInfo | undefined> {
    return (await this.microvms().find(name)) ?? (await this.containers().sandboxes.find(name));
  }

  private async isVm(name: string): Promise<boolean> {
    return (await this.microvms().find(name)) !== undefined;
  }

  async launch(
    spec: SandboxSpec,
    level: IsolationLevel,
    runtime: string,
    ctx: LaunchContext,
  ): Promise<LaunchReport> {
    return level === 'microvm'
      ? this.microvms().launch(spec, ctx)
      : this.containers().sandboxes.launch(spec, level, runtime, ctx);
  }

  async specOf(name: string): Promise<SandboxSpec | undefined> {
    return (await this.isVm(name)) ? this.microvms().specOf(name) : this.containers().sandboxes.specOf(name);
  }

  async stop(name: string): Promise<void> {
    return (await this.isVm(name)) ? this.microvms().stop(name) : this.containers().sandboxes.stop(name);
  }

  async restart(name: string, ctx: LaunchContext): Promise<LaunchReport> {
    return (await this.isVm(name))
      ? this.microvms().restart(name, ctx)
      : this.containers().sandboxes.restart(name, ctx);
  }

  async remove(name: string): Promise<void> {
    return (await this.isVm(name)) ? this.microvms().remove(name) : this.containers().sandboxes.remove(name);
  }

  /** A terminal session on the sandbox's shell, in the shape the terminal adapter takes. */
  async session(
    name: string,
    dims: { cols?: number; rows?: number },
    cmd?: readonly string[],
  ): Promise<Session> {
    const vm = await this.isVm(name);
    const s = vm
      ? await this.microvms().attach(name)
      : await this.containers().sandboxes.attach(name, { ...(cmd ? { cmd } : {}), ...dims });
    // The serial console has no exec: a command is typed into the console shell.
    if (vm && cmd) setTimeout(() => s.stream.write(cmd.join(' ') + '\n'), 200);
    const exitCbs: Array<(c: number | undefined) => void> = [];
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      void s
        .exitCode()
        .catch(() => undefined)
        .then((c) => exitCbs.forEach((cb) => cb(c)));
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
    if (!isTrusted)
      throw new UserError('Sandboxes are disabled in untrusted workspaces: trust this folder to launch one');
  }
}
