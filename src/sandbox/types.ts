/**
 * The sandbox model: what to run (a spec, from devcontainer.json, a Pod manifest, a KubeVirt
 * manifest or an image), at which isolation level, and what came of it. Plain data, no vscode.
 */

export type IsolationLevel = 'container' | 'gvisor' | 'kata' | 'microvm';
export const ISOLATION_LEVELS: readonly IsolationLevel[] = ['container', 'gvisor', 'kata', 'microvm'];

export type SourceKind = 'devcontainer' | 'pod' | 'kubevirt' | 'image';

export interface SandboxSource {
  readonly kind: SourceKind;
  /** Human label: the devcontainer name, `Pod/name`, the image reference. */
  readonly label: string;
  /** The file it came from (devcontainer.json, the manifest), when there is one. */
  readonly file?: string;
  /** Index of the YAML document inside `file` (manifests). */
  readonly documentIndex?: number;
}

export interface PortForward {
  /** Port inside the sandbox. */
  readonly container: number;
  /** Port on 127.0.0.1; 0 lets the engine choose. */
  readonly host: number;
  readonly protocol: 'tcp' | 'udp';
}

export interface MountSpec {
  readonly type: 'bind' | 'volume' | 'tmpfs';
  readonly source: string;
  readonly target: string;
  readonly readonly: boolean;
}

/** A command as the devcontainer spec allows it: a shell string or an argv. */
export type LifecycleCommand = { readonly shell: string } | { readonly argv: readonly string[] };

export interface Limits {
  readonly cpus?: number;
  readonly memoryBytes?: number;
  readonly pids: number;
}

export interface BuildSpec {
  /** Absolute folder sent to the engine. */
  readonly context: string;
  /** Dockerfile path relative to `context`. */
  readonly dockerfile: string;
  readonly args: Readonly<Record<string, string>>;
  readonly target?: string;
}

/** One container of a sandbox (a devcontainer has one; a Pod has one per container). */
export interface ContainerSpec {
  readonly name: string;
  readonly image?: string;
  readonly build?: BuildSpec;
  readonly entrypoint?: readonly string[];
  readonly command?: readonly string[];
  /** True: replace the image's command with a keep-alive loop (dev shells). */
  readonly keepAlive: boolean;
  readonly env: Readonly<Record<string, string>>;
  readonly ports: readonly PortForward[];
  readonly limits: Limits;
  readonly workingDir?: string;
  /** Explicit user for the main process (devcontainer `containerUser`, Pod runAsUser). */
  readonly user?: string;
}

export interface SandboxSpec {
  /** Sandbox name: [a-z0-9][a-z0-9_.-]* (validated by `sandboxName`). */
  readonly name: string;
  readonly source: SandboxSource;
  readonly containers: readonly ContainerSpec[];
  /** The host workspace folder and where it appears inside; never written by Podvisor. */
  readonly workspace?: { readonly hostPath: string; readonly target: string; readonly readonly: boolean };
  readonly mounts: readonly MountSpec[];
  /** User for terminals and lifecycle commands (devcontainer `remoteUser`); undefined: pick one. */
  readonly remoteUser?: string;
  readonly remoteEnv: Readonly<Record<string, string>>;
  readonly postCreateCommand?: LifecycleCommand;
  readonly postStartCommand?: LifecycleCommand;
  /** Capabilities added on top of the hardened default (safe runArgs subset). */
  readonly capAdd: readonly string[];
  readonly extraHosts: readonly string[];
  readonly init: boolean;
  readonly shmSizeBytes?: number;
  readonly hostname?: string;
  /** Extra labels from runArgs (never `dev.podvisor.*`). */
  readonly labels: Readonly<Record<string, string>>;
  /** Keys/fields that could not be honoured locally, listed once in the output. */
  readonly notes: readonly string[];
}

/** The fields of a spec that most sources leave empty; a source spreads this and sets its own. */
export const EMPTY_SPEC_EXTRAS = {
  mounts: [],
  remoteEnv: {},
  capAdd: [],
  extraHosts: [],
  init: false,
  labels: {},
} as const satisfies Partial<SandboxSpec>;

/** Where a running sandbox's process or VM lives, found again after a window reload. */
export interface SandboxInfo {
  readonly name: string;
  readonly level: IsolationLevel;
  readonly source: SandboxSource;
  readonly state: 'running' | 'stopped' | 'created' | 'failed';
  readonly ports: ReadonlyArray<{ container: number; host: number; hostIp: string; protocol: string }>;
  /** Engine container ids (containers) or the VM folder (microVM). */
  readonly ids: readonly string[];
  readonly workspace?: string;
  readonly workspaceTarget?: string;
  readonly user?: string;
  readonly createdAt?: string;
  /** What is wrong with what was read back (a label or file that does not parse); shown, never thrown. */
  readonly problem?: string;
}

/** Progress phases, in order; each is timed and logged. */
export type Phase =
  'prepare' | 'build' | 'pull' | 'disk' | 'create' | 'start' | 'post-create' | 'post-start' | 'attach';

export interface PhaseTiming {
  readonly phase: Phase;
  readonly ms: number;
}

export interface LaunchReport {
  readonly name: string;
  readonly level: IsolationLevel;
  readonly timings: readonly PhaseTiming[];
  readonly notes: readonly string[];
  readonly info: SandboxInfo;
}
