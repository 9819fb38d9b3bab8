/**
 * The little of kubectl that "Apply to cluster" needs: find it, read the current context, apply
 * one document from stdin. No `vscode` import (unit-tested). Arguments are arrays; the manifest
 * goes through stdin, never through a shell or a temporary file.
 */
import * as fs from 'fs';
import * as path from 'path';
import execa from 'execa';
import { CancelledError, UserError } from '../../common/errors';

/** The kubectl executable on PATH, or undefined. */
export function findKubectl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const f = path.join(dir, process.platform === 'win32' ? 'kubectl.exe' : 'kubectl');
    try {
      fs.accessSync(f, fs.constants.X_OK);
      if (fs.statSync(f).isFile()) return f;
    } catch {
      // not here
    }
  }
  return undefined;
}

export const KUBECTL_NOT_FOUND =
  'kubectl not found on PATH: install kubectl and configure a cluster context to apply manifests (Run locally works without a cluster)';

/** The kubectl to use, or a UserError that says what to do. */
export function requireKubectl(env: NodeJS.ProcessEnv = process.env): string {
  const k = findKubectl(env);
  if (!k) throw new UserError(KUBECTL_NOT_FOUND);
  return k;
}

/** `kubectl config current-context`, or a UserError with kubectl's own reason. */
export async function currentContext(
  kubectl: string,
  signal?: AbortSignal,
  env?: NodeJS.ProcessEnv,
): Promise<string> {
  const r = await run(kubectl, ['config', 'current-context'], { timeout: 15_000, env }, signal);
  const ctx = String(r.stdout ?? '').trim();
  if (r.exitCode !== 0 || !ctx) {
    const why = String(r.stderr ?? '').trim() || `exit code ${String(r.exitCode)}`;
    throw new UserError(
      `No Kubernetes cluster context: kubectl config current-context failed (${why}). Select one with \`kubectl config use-context NAME\` or set KUBECONFIG.`,
      why,
    );
  }
  if (!/^[\w.@:/-]+$/.test(ctx))
    throw new UserError(`kubectl reported an unexpected context name: ${JSON.stringify(ctx.slice(0, 80))}`);
  return ctx;
}

/** `kubectl --context CTX apply -f -` with the manifest on stdin; returns kubectl's report. */
export async function applyManifest(
  kubectl: string,
  context: string,
  manifest: string,
  signal?: AbortSignal,
  env?: NodeJS.ProcessEnv,
): Promise<string> {
  const r = await run(
    kubectl,
    ['--context', context, 'apply', '-f', '-'],
    { input: manifest, timeout: 120_000, env },
    signal,
  );
  if (r.exitCode !== 0) {
    const why = String(r.stderr ?? '').trim() || `exit code ${String(r.exitCode)}`;
    throw new UserError(`kubectl apply failed: ${why.split('\n')[0]}`, why);
  }
  return String(r.stdout ?? '').trim();
}

/** execa v5 has no `signal` option: cancel the child when the signal fires. */
async function run(
  file: string,
  args: string[],
  o: { input?: string; timeout: number; env?: NodeJS.ProcessEnv },
  signal?: AbortSignal,
): Promise<execa.ExecaReturnValue> {
  if (signal?.aborted) throw new CancelledError();
  const child = execa(file, args, {
    input: o.input,
    reject: false,
    timeout: o.timeout,
    env: o.env,
    extendEnv: true,
  });
  const onAbort = (): void => child.cancel();
  signal?.addEventListener('abort', onAbort);
  try {
    const r = await child;
    if (r.isCanceled || signal?.aborted) throw new CancelledError();
    return r;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
