import type { Duplex, Readable } from 'stream';

/**
 * The few container-engine calls sandboxes need. Implemented with dockerode in dockerEngine.ts;
 * kept narrow so the containers backend's client can stand in for it later.
 */
export interface EngineInfo {
  /** Runtime names registered with the engine (`runc`, `runsc`, `io.containerd.kata.v2`, …). */
  readonly runtimes: Readonly<Record<string, { path?: string }>>;
  readonly defaultRuntime: string;
  readonly ncpu: number;
  readonly memTotal: number;
}

export interface ImageSummary {
  readonly id: string;
  readonly user: string;
  readonly env: readonly string[];
  readonly workingDir: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ContainerSummary {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: ReadonlyArray<{ container: number; host: number; hostIp: string; protocol: string }>;
  readonly image: string;
  readonly created: number;
}

export interface CreateOptions {
  readonly name: string;
  readonly image: string;
  /** Docker Engine API container-create body (Config + HostConfig), built by hardening.ts. */
  readonly body: Record<string, unknown>;
}

export interface ExecOptions {
  readonly cmd: readonly string[];
  readonly user?: string;
  readonly workingDir?: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** An interactive session (TTY): the terminal writes to `stream`, reads from it, resizes. */
export interface InteractiveSession {
  readonly stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
  /** Exit code once the session ended. */
  exitCode(): Promise<number | undefined>;
}

export interface ContainerEngine {
  readonly endpoint: string;
  info(signal?: AbortSignal): Promise<EngineInfo>;
  inspectImage(ref: string, signal?: AbortSignal): Promise<ImageSummary | undefined>;
  pull(ref: string, signal: AbortSignal | undefined, onLine: (s: string) => void): Promise<void>;
  build(
    opts: {
      context: string;
      dockerfile: string;
      tag: string;
      args: Readonly<Record<string, string>>;
      target?: string;
      labels: Readonly<Record<string, string>>;
      noCache?: boolean;
    },
    signal: AbortSignal | undefined,
    onLine: (s: string) => void,
  ): Promise<string>;
  removeImage(ref: string): Promise<void>;
  create(opts: CreateOptions, signal?: AbortSignal): Promise<string>;
  start(id: string, signal?: AbortSignal): Promise<void>;
  stop(id: string, timeoutS?: number): Promise<void>;
  remove(id: string): Promise<void>;
  inspect(id: string): Promise<ContainerSummary | undefined>;
  list(labels: Readonly<Record<string, string | true>>): Promise<ContainerSummary[]>;
  listImages(
    labels: Readonly<Record<string, string | true>>,
  ): Promise<Array<{ id: string; tags: string[]; labels: Record<string, string> }>>;
  exec(id: string, opts: ExecOptions, signal?: AbortSignal): Promise<ExecResult>;
  execInteractive(
    id: string,
    opts: ExecOptions & { cols?: number; rows?: number },
  ): Promise<InteractiveSession>;
  /** One file from a container's filesystem (works on created, not yet started containers). */
  readFile(id: string, file: string): Promise<Buffer | undefined>;
  /** Whether a path exists in a container's filesystem (HEAD of the archive endpoint). */
  pathExists(id: string, file: string): Promise<boolean>;
  /** The container's filesystem as a tar stream (`docker export`). */
  exportFs(id: string, signal?: AbortSignal): Promise<Readable>;
}
