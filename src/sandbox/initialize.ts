/**
 * initializeCommand: on the host, in the workspace folder, through the process runner (the
 * string form through /bin/sh, as the spec says; the array form without a shell; the object
 * form's commands in parallel). Output streams to the launch's output; cancelling stops each
 * command's whole process tree (the runner's process groups).
 */
import { UserError } from '../common/errors';
import type { Runner } from '../common/process';
import { streamLines } from '../backends/docker/compose';
import { tailOf } from './hooks';
import { argvOf } from './lifecycle';
import type { LaunchContext, PhaseRunner } from './phases';
import type { SandboxSpec, SimpleCommand } from './types';

async function runOne(
  runner: Runner,
  cmd: SimpleCommand,
  label: string,
  cwd: string | undefined,
  ctx: LaunchContext,
): Promise<void> {
  const [command = '/bin/sh', ...args] = argvOf(cmd);
  let out = '';
  const h = runner.start(
    { command, args, ...(cwd ? { cwd } : {}), label, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' },
    ctx.signal,
  );
  streamLines(h, (l) => {
    out = (out + l + '\n').slice(-4096);
    ctx.output?.(l + '\n');
    ctx.log.info(`[initializeCommand] ${l}`);
  });
  try {
    await h.done();
  } catch (e) {
    const st = h.exitStatus;
    if (st && st.exitCode !== null && st.exitCode !== 0 && !ctx.signal?.aborted)
      throw new UserError(`${label} failed with exit code ${st.exitCode}${out ? `: ${tailOf(out)}` : ''}`);
    throw e;
  }
}

/** Runs the spec's initializeCommand (if any) as the `initialize` phase. */
export async function runInitialize(
  spec: SandboxSpec,
  runner: Runner,
  phases: PhaseRunner,
  ctx: LaunchContext,
): Promise<void> {
  const c = spec.initializeCommand;
  if (!c) return;
  const cwd = spec.workspace?.hostPath;
  await phases.run('initialize', 'initializeCommand on the host', async () => {
    ctx.output?.('\n[podvisor] Running initializeCommand on the host…\n');
    if ('parallel' in c)
      await Promise.all(
        c.parallel.map((p) => runOne(runner, p.command, `initializeCommand [${p.name}]`, cwd, ctx)),
      );
    else await runOne(runner, c, 'initializeCommand', cwd, ctx);
  });
}
