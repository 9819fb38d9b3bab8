/**
 * Lifecycle hooks (and tasks) inside a container: an exec as the remote user in the workspace,
 * with its output streamed. Cancelling stops the whole process tree the command started, not
 * just our connection to it (dockerd keeps an exec running without its client): every exec
 * carries a token in its environment, which its children inherit, and cancelling runs a small
 * script as root that signals every process holding that token (TERM, then KILL).
 */
import * as crypto from 'crypto';
import type { DockerClient } from '../backends/docker/client';
import { CancelledError } from '../common/errors';
import type { HookResult, HookRunner } from './hooks';
import { tailOf } from './hooks';
import { argvOf } from './lifecycle';
import type { SimpleCommand } from './types';

export const HOOK_TOKEN_VAR = 'PODVISOR_EXEC_TOKEN';

/** POSIX sh: signal every process whose environment holds the token; TERM, wait up to 2 s, KILL. */
const KILL_TAGGED = `tok="$1"
hits() { n=0; for d in /proc/[0-9]*; do p=\${d#/proc/}; [ "$p" = "$$" ] && continue
  if tr '\\000' '\\n' < "$d/environ" 2>/dev/null | grep -qx "${HOOK_TOKEN_VAR}=$tok"; then kill -"$1" "$p" 2>/dev/null && n=$((n+1)); fi; done; echo $n; }
[ "$(hits TERM)" = 0 ] && exit 0
i=0; while [ $i -lt 20 ]; do sleep 0.1 2>/dev/null || sleep 1; [ "$(hits 0)" = 0 ] && exit 0; i=$((i+1)); done
hits KILL >/dev/null; exit 0`;

export interface ExecTarget {
  readonly user?: string;
  readonly workingDir?: string;
  readonly env: Readonly<Record<string, string>>;
}

/** Stops every process that carries `token` in container `id`. */
export async function killTagged(client: DockerClient, id: string, token: string): Promise<void> {
  await client
    .exec(id, { cmd: ['/bin/sh', '-c', KILL_TAGGED, 'pv-kill', token], user: '0' })
    .catch(() => undefined);
}

/**
 * Runs `argv` in the container with cancel that ends its process tree; `onOutput` sees its output.
 * Resolves with its exit code and output; rejects with CancelledError once the tree is stopped.
 */
export async function execTree(
  client: DockerClient,
  id: string,
  argv: readonly string[],
  t: ExecTarget,
  o: { signal?: AbortSignal; onOutput?: (text: string) => void } = {},
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  if (o.signal?.aborted) throw new CancelledError();
  const token = crypto.randomUUID();
  const inner = new AbortController();
  let stopping: Promise<void> | undefined;
  const onAbort = () => {
    stopping = killTagged(client, id, token).finally(() => inner.abort());
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const r = await client.exec(
      id,
      {
        cmd: argv,
        ...(t.user ? { user: t.user } : {}),
        ...(t.workingDir ? { workingDir: t.workingDir } : {}),
        env: { ...t.env, [HOOK_TOKEN_VAR]: token },
      },
      { signal: inner.signal, ...(o.onOutput ? { onOutput: o.onOutput } : {}) },
    );
    if (o.signal?.aborted) throw new CancelledError();
    return r;
  } catch (e) {
    if (stopping) {
      await stopping;
      throw new CancelledError();
    }
    throw e;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
}

/** A HookRunner on one container. */
export function containerHookRunner(
  client: DockerClient,
  id: string,
  t: ExecTarget,
  output?: (text: string) => void,
): HookRunner {
  return {
    async run(cmd: SimpleCommand, _label: string, signal?: AbortSignal): Promise<HookResult> {
      const r = await execTree(client, id, argvOf(cmd), t, {
        ...(signal ? { signal } : {}),
        ...(output ? { onOutput: output } : {}),
      });
      return { exitCode: r.exitCode, tail: tailOf(r.stderr || r.stdout) };
    },
  };
}
