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

/** One command: a shell string (run by /bin/sh -c) or an argv (run without a shell). */
export type SimpleCommand = { readonly shell: string } | { readonly argv: readonly string[] };

/**
 * A command as the devcontainer spec allows it: a string, an array, or an object whose named
 * commands run in parallel (all must succeed).
 */
export type LifecycleCommand =
  | SimpleCommand
  | { readonly parallel: ReadonlyArray<{ readonly name: string; readonly command: SimpleCommand }> };

/** The lifecycle hooks that run inside the sandbox, in the order the spec runs them. */
export type HookName =
  'onCreateCommand' | 'updateContentCommand' | 'postCreateCommand' | 'postStartCommand' | 'postAttachCommand';
export const HOOK_NAMES: readonly HookName[] = [
  'onCreateCommand',
  'updateContentCommand',
  'postCreateCommand',
  'postStartCommand',
  'postAttachCommand',
];

/** One contribution to a hook: a feature's (in install order) or devcontainer.json's (last). */
export interface HookStep {
  /** `devcontainer.json` or the feature's id. */
  readonly origin: string;
  readonly command: LifecycleCommand;
}

export type Lifecycle = Readonly<Partial<Record<HookName, readonly HookStep[]>>>;

/** A feature as devcontainer.json (or a feature's dependsOn) names it; resolved at launch. */
export interface FeatureRef {
  /** As written: `./local`, `registry/ns/name[:tag|@digest]`, `https://…tgz`. */
  readonly id: string;
  readonly options: Readonly<Record<string, string | boolean>>;
}

export interface FeatureSet {
  /** The folder of devcontainer.json: local features are relative to it. */
  readonly configDir: string;
  readonly refs: readonly FeatureRef[];
  /** `overrideFeatureInstallOrder`. */
  readonly overrideOrder: readonly string[];
}

/** portsAttributes / otherPortsAttributes: what the editor does with a forwarded port. */
export interface PortAttributes {
  readonly label?: string;
  readonly onAutoForward?: 'notify' | 'openBrowser' | 'openBrowserOnce' | 'openPreview' | 'silent' | 'ignore';
  readonly protocol?: 'http' | 'https';
  readonly requireLocalPort?: boolean;
}

/** A Compose-based devcontainer: the project, the dev service, the services to start. */
export interface ComposeSpec {
  /** Absolute compose files, in order. */
  readonly files: readonly string[];
  /** Compose project name. */
  readonly project: string;
  /** The service the workspace runs in. */
  readonly service: string;
  /** Services to start (empty: all). */
  readonly runServices: readonly string[];
  /** `--project-directory` (the first file's folder). */
  readonly workingDir: string;
  /** forwardPorts of other services (`"db:5432"`), published on 127.0.0.1 from that service. */
  readonly servicePorts?: ReadonlyArray<{ readonly service: string; readonly port: number }>;
}

/**
 * Privileges a feature or devcontainer.json asks for beyond the hardened default. The launch
 * grants them only for origins the user allowed (podvisor.sandbox.allowPrivileges), else refuses.
 */
export interface PrivilegeRequest {
  /** `devcontainer.json` or the feature's id. */
  readonly origin: string;
  readonly privileged?: boolean;
  readonly capAdd?: readonly string[];
  readonly securityOpt?: readonly string[];
}

export interface HostRequirements {
  readonly cpus?: number;
  readonly memoryBytes?: number;
  readonly storageBytes?: number;
  readonly gpu?: boolean | 'optional';
}

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
  /** Scripts the features' `entrypoint`s name, started before the keep-alive loop. */
  readonly entrypoints?: readonly string[];
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
  /** Values may hold `${containerEnv:X[:default]}`, resolved against the running container. */
  readonly remoteEnv: Readonly<Record<string, string>>;
  /** The hooks that run inside the sandbox (features' steps first, then devcontainer.json's). */
  readonly lifecycle: Lifecycle;
  /** Runs on the host before every launch and start (devcontainer `initializeCommand`). */
  readonly initializeCommand?: LifecycleCommand;
  /** The hook a launch waits for before it is ready; later hooks run on (default updateContentCommand). */
  readonly waitFor?: HookName;
  /** `${devcontainerId}` of this config (features' mounts and entrypoints use it at launch). */
  readonly devcontainerId?: string;
  /** Features to build into the image (unresolved references; the launch resolves them). */
  readonly features?: FeatureSet;
  readonly compose?: ComposeSpec;
  readonly hostRequirements?: HostRequirements;
  readonly portsAttributes?: Readonly<Record<string, PortAttributes>>;
  readonly otherPortsAttributes?: PortAttributes;
  /** What closing the editor should stop; Podvisor keeps sandboxes across reloads (see levels). */
  readonly shutdownAction?: 'none' | 'stopContainer' | 'stopCompose';
  /** Give the remote user the host user's uid/gid (Linux bind mounts), default true. */
  readonly updateRemoteUserUID?: boolean;
  /** Capabilities added on top of the hardened default (safe runArgs subset). */
  readonly capAdd: readonly string[];
  /** What devcontainer.json and its features ask for beyond the hardening (granted at launch). */
  readonly privilegeRequests?: readonly PrivilegeRequest[];
  /** Set only when a feature asks for it and the user allowed that feature (hardening.ts). */
  readonly privileged?: boolean;
  readonly securityOpt?: readonly string[];
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
  lifecycle: {},
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
  | 'initialize'
  | 'prepare'
  | 'build'
  | 'pull'
  | 'features'
  | 'disk'
  | 'create'
  | 'start'
  | 'on-create'
  | 'update-content'
  | 'post-create'
  | 'post-start'
  | 'post-attach'
  | 'attach';

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
