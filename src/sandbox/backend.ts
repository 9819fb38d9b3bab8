import type { ExecSession } from '../backends/docker/client';
import type { LaunchContext } from './phases';
import type { IsolationLevel, LaunchReport, SandboxInfo, SandboxSpec } from './types';

/** A sandbox's interactive session: the engine's exec (containers) or the serial console (microVMs). */
export type InteractiveSession = ExecSession;

export interface AttachOptions {
  /** Run this instead of the login shell. */
  readonly cmd?: readonly string[];
  readonly cols?: number;
  readonly rows?: number;
}

/**
 * What every kind of sandbox offers (containers under runc/gVisor/Kata; QEMU microVMs). The
 * façade (sandboxes.ts) picks the backend from the sandbox's own record, never by asking each
 * backend in turn whether it knows a name.
 */
export interface SandboxBackend {
  readonly kind: 'container' | 'microvm';
  launch(
    spec: SandboxSpec,
    level: IsolationLevel,
    runtime: string,
    ctx: LaunchContext,
  ): Promise<LaunchReport>;
  list(): Promise<SandboxInfo[]>;
  find(name: string): Promise<SandboxInfo | undefined>;
  /** The spec it was launched from, checked as it is read back; undefined when unreadable. */
  specOf(name: string): Promise<SandboxSpec | undefined>;
  stop(name: string): Promise<void>;
  /** Starts again (initializeCommand, postStartCommand; the create hooks only if they never completed). */
  restart(name: string, ctx: LaunchContext): Promise<LaunchReport>;
  /** Runs postAttachCommand: an editor attached (a launch from the editor, a re-open). */
  postAttach(name: string, ctx: LaunchContext): Promise<void>;
  /** Removes everything the sandbox owns; never the workspace. */
  remove(name: string): Promise<void>;
  attach(name: string, opts?: AttachOptions): Promise<InteractiveSession>;
}
