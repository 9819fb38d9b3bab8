/**
 * The runner seam for tests: wraps the real runner (the real tools still run) to record the
 * argument arrays a backend produced, or to run them with a changed environment (an empty PATH
 * to see what a user without the tool sees).
 */
import * as path from 'path';
import {
  processRunner,
  type ProcessHandle,
  type RunRequest,
  type RunResult,
  type Runner,
  type StartRequest,
} from '../../src/common/process';

export interface RecordedCall {
  readonly how: 'run' | 'start';
  readonly command: string;
  readonly args: readonly string[];
}

export class RecordingRunner implements Runner {
  readonly calls: RecordedCall[] = [];

  constructor(
    private readonly env?: Readonly<Record<string, string | undefined>>,
    private readonly inner: Runner = processRunner,
  ) {}

  private withEnv<T extends RunRequest | StartRequest>(req: T): T {
    return this.env ? { ...req, env: { ...req.env, ...this.env } } : req;
  }

  run(req: RunRequest & { readonly encoding: 'buffer' }, signal?: AbortSignal): Promise<RunResult<Buffer>>;
  run(req: RunRequest, signal?: AbortSignal): Promise<RunResult<string>>;
  run(req: RunRequest, signal?: AbortSignal): Promise<RunResult<string | Buffer>> {
    this.calls.push({ how: 'run', command: req.command, args: [...req.args] });
    const r = this.withEnv(req);
    return r.encoding === 'buffer'
      ? this.inner.run({ ...r, encoding: 'buffer' }, signal)
      : this.inner.run(r, signal);
  }

  start(req: StartRequest, signal?: AbortSignal): ProcessHandle {
    this.calls.push({ how: 'start', command: req.command, args: [...req.args] });
    return this.inner.start(this.withEnv(req), signal);
  }

  /** The argument arrays of every call of `command` (matched by base name), in order. */
  argsOf(command: string): string[][] {
    return this.calls.filter((c) => path.basename(c.command) === command).map((c) => [...c.args]);
  }
}
