/**
 * The lifecycle hooks with the spec's semantics, for any kind of sandbox: each hook's steps in
 * order (features' first, then devcontainer.json's), the object form's commands in parallel
 * (all must succeed), a failure stops the hooks after it, and the launch is ready once the
 * `waitFor` hook is done (later ones run on when the caller takes them, see LaunchContext).
 * Where a command runs is the backend's business (`HookRunner`).
 */
import { UserError } from '../common/errors';
import type { LaunchContext, PhaseRunner } from './phases';
import type { HookName, HookStep, LifecycleCommand, Phase, SandboxSpec, SimpleCommand } from './types';

export interface HookResult {
  readonly exitCode: number;
  /** The end of its output, for the error message. */
  readonly tail: string;
}

/** Runs one command where the sandbox is; output goes to `ctx.output` as it comes. */
export interface HookRunner {
  run(cmd: SimpleCommand, label: string, signal?: AbortSignal): Promise<HookResult>;
  /**
   * For a runner with one channel (a serial console): the object form as one command (its
   * parts still run in parallel, as background jobs); without it each part is a `run`.
   */
  runParallel?(cmd: LifecycleCommand, label: string, signal?: AbortSignal): Promise<HookResult>;
}

export const HOOK_PHASE: Record<HookName, Phase> = {
  onCreateCommand: 'on-create',
  updateContentCommand: 'update-content',
  postCreateCommand: 'post-create',
  postStartCommand: 'post-start',
  postAttachCommand: 'post-attach',
};

const CREATE: readonly HookName[] = [
  'onCreateCommand',
  'updateContentCommand',
  'postCreateCommand',
  'postStartCommand',
];

/** The last lines of some output, on one line. */
export function tailOf(text: string, lines = 3): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

async function runStep(
  step: HookStep,
  hook: HookName,
  runner: HookRunner,
  ctx: LaunchContext,
): Promise<void> {
  const label = step.origin === 'devcontainer.json' ? hook : `${hook} from ${step.origin}`;
  const c = step.command;
  const cmds: Array<{ label: string; cmd: SimpleCommand }> =
    'parallel' in c
      ? c.parallel.map((p) => ({ label: `${label} [${p.name}]`, cmd: p.command }))
      : [{ label, cmd: c }];
  ctx.output?.(`\n[podvisor] Running ${label}…\n`);
  if ('parallel' in c && runner.runParallel) {
    const r = await runner.runParallel(c, label, ctx.signal);
    if (r.exitCode !== 0)
      throw new UserError(`${label} failed with exit code ${r.exitCode}${r.tail ? `: ${r.tail}` : ''}`);
    return;
  }
  const results = await Promise.allSettled(cmds.map((x) => runner.run(x.cmd, x.label, ctx.signal)));
  for (const [i, r] of results.entries()) {
    const what = cmds[i]?.label ?? label;
    if (r.status === 'rejected') throw r.reason;
    if (r.value.exitCode !== 0)
      throw new UserError(
        `${what} failed with exit code ${r.value.exitCode}${r.value.tail ? `: ${r.value.tail}` : ''}`,
      );
  }
}

/** One hook (all its steps), as one timed phase; nothing when the spec has none. */
export async function runHook(
  spec: SandboxSpec,
  hook: HookName,
  runner: HookRunner,
  phases: PhaseRunner,
  ctx: LaunchContext,
): Promise<void> {
  const steps = spec.lifecycle[hook];
  if (!steps?.length) return;
  await phases.run(HOOK_PHASE[hook], hook, async () => {
    for (const s of steps) await runStep(s, hook, runner, ctx);
  });
}

/** The hook a launch waits for (postAttachCommand is the editor's: the launch waits for postStart). */
export function waitForOf(spec: SandboxSpec): HookName {
  const w = spec.waitFor ?? 'updateContentCommand';
  return w === 'postAttachCommand' ? 'postStartCommand' : w;
}

/**
 * The hooks of a first start: onCreate, updateContent, postCreate, postStart. Returns once the
 * `waitFor` hook is done when the caller takes the rest (`ctx.background`), else once all are.
 */
export async function runCreateHooks(
  spec: SandboxSpec,
  runner: HookRunner,
  phases: PhaseRunner,
  ctx: LaunchContext,
): Promise<void> {
  const at = CREATE.indexOf(waitForOf(spec));
  const now = CREATE.slice(0, at + 1);
  const later = CREATE.slice(at + 1).filter((h) => spec.lifecycle[h]?.length);
  for (const h of now) await runHook(spec, h, runner, phases, ctx);
  if (!later.length) return;
  const rest = (async () => {
    for (const h of later) await runHook(spec, h, runner, phases, ctx);
  })();
  if (ctx.background) ctx.background(rest, later);
  else await rest;
}
