/** Podvisor's own view of containers and images: parsed, checked, ready for the tree. */
import type { Isolation, WorkloadState } from '../types';

export interface PortMapping {
  readonly privatePort: number;
  readonly publicPort?: number;
  readonly ip?: string;
  readonly type: string;
}

export interface ContainerInfo {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly imageId: string;
  readonly command: string;
  /** Unix ms. */
  readonly created: number;
  readonly state: WorkloadState;
  /** The engine's raw state word (`running`, `exited`, …). */
  readonly rawState: string;
  /** The engine's human status (`Up 5 minutes`), as listed; stale after a while. */
  readonly statusText: string;
  /** Unix ms when known (from inspect). */
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly exitCode?: number;
  readonly health?: string;
  readonly ports: readonly PortMapping[];
  readonly labels: Readonly<Record<string, string>>;
  /** Known after an inspect; list answers do not carry it. */
  readonly runtime?: string;
  readonly isolation: Isolation;
  readonly composeProject?: string;
  readonly composeService?: string;
  readonly networks: readonly string[];
}

export interface ImageInfo {
  readonly id: string;
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
  readonly size: number;
  /** Unix ms. */
  readonly created: number;
  readonly dangling: boolean;
  readonly containers: number;
}

/** What sandboxes need from an image's config (GET /images/{ref}/json). */
export interface ImageConfig {
  readonly id: string;
  /** The image's USER ('' when unset). */
  readonly user: string;
  readonly env: readonly string[];
  readonly workingDir: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** A finished non-interactive exec. */
export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** What an exec runs: argv, and optionally as whom, where and with which environment. */
export interface ExecOptions {
  readonly cmd: readonly string[];
  readonly user?: string;
  readonly workingDir?: string;
  readonly env?: Readonly<Record<string, string>>;
}
