import { CancelledError } from '../common/errors';
import type { Logger } from '../common/log';
import type { HookName, Phase, PhaseTiming } from './types';

export interface LaunchContext {
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /** Progress: the phase that starts and a short message. */
  readonly report?: (phase: Phase, message: string) => void;
  /** The output of lifecycle hooks, builds and initializeCommand as it comes (a terminal shows it). */
  readonly output?: (text: string) => void;
  /**
   * When set, the launch is ready once the `waitFor` hook is done and hands the later hooks here
   * (they run on; their failure is reported, the sandbox stays). Unset: the launch runs every hook.
   */
  readonly background?: (work: Promise<void>, hooks: readonly HookName[]) => void;
  /** Origins (feature ids, `devcontainer.json`) whose privilege requests the user allowed. */
  readonly allowPrivileges?: readonly string[];
  /** The host user whose uid/gid the remote user gets (updateRemoteUserUID); default this process's. */
  readonly localUser?: { readonly uid: number; readonly gid: number };
}

/** Runs the phases of one launch: each timed, logged, reported, and checked for cancellation. */
export class PhaseRunner {
  readonly timings: PhaseTiming[] = [];

  constructor(
    private readonly ctx: LaunchContext,
    private readonly name: string,
  ) {}

  async run<T>(phase: Phase, message: string, work: () => Promise<T>): Promise<T> {
    if (this.ctx.signal?.aborted) throw new CancelledError();
    this.ctx.report?.(phase, message);
    const t0 = performance.now();
    try {
      const r = await work();
      if (this.ctx.signal?.aborted) throw new CancelledError();
      return r;
    } finally {
      const ms = performance.now() - t0;
      const prev = this.timings.find((t) => t.phase === phase);
      if (prev) (prev as { ms: number }).ms += ms;
      else this.timings.push({ phase, ms });
      this.ctx.log.info(`sandbox ${this.name}: ${phase} (${message}) ${ms.toFixed(0)} ms`);
    }
  }
}

export function formatTimings(t: readonly PhaseTiming[]): string {
  return t.map((x) => `${x.phase} ${x.ms.toFixed(0)} ms`).join(', ');
}
