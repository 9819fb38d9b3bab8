/**
 * The little of kubectl that "Apply to cluster" needs: find it, read the current context, apply
 * one document from stdin. No `vscode` import (unit-tested). Arguments are arrays; the manifest
 * goes through stdin, never through a shell or a temporary file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../../common/errors';
import { processRunner, type RunResult, type Runner } from '../../common/process';

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
  runner: Runner = processRunner,
): Promise<string> {
  const r = await kubectlRun(
    runner,
    kubectl,
    ['config', 'current-context'],
    { timeoutMs: 15_000, env },
    signal,
  );
  const ctx = r.stdout.trim();
  if (r.exitCode !== 0 || !ctx) {
    const why = r.stderr.trim() || `exit code ${r.exitCode}`;
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
  runner: Runner = processRunner,
): Promise<string> {
  const r = await kubectlRun(
    runner,
    kubectl,
    ['--context', context, 'apply', '-f', '-'],
    { input: manifest, timeoutMs: 120_000, env },
    signal,
  );
  if (r.exitCode !== 0) {
    const why = r.stderr.trim() || `exit code ${r.exitCode}`;
    throw new UserError(`kubectl apply failed: ${why.split('\n')[0]}`, why);
  }
  return r.stdout.trim();
}

/** kubectl with every exit code returned (its stderr is the reason); cancel and time limit stop it. */
function kubectlRun(
  runner: Runner,
  kubectl: string,
  args: string[],
  o: { input?: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
  signal?: AbortSignal,
): Promise<RunResult> {
  return runner.run(
    { command: kubectl, args, input: o.input, timeoutMs: o.timeoutMs, env: o.env, okExitCodes: 'any' },
    signal,
  );
}
