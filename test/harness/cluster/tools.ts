/** The Go-built tools of scripts/tools.mjs (built once per machine outside the clone), for the harness. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from '../env';

/** The bin folder of a built tool, or undefined when it is not built (tools.mjs path exits 1). */
export function toolBinDir(name: string): string | undefined {
  try {
    return execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'tools.mjs'), 'path', name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

export interface ClusterTools {
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubelet: string;
  readonly kubectl: string;
}

/** The control-plane binaries, or the reason they can't be had. */
export function clusterTools(): ClusterTools | { missing: string } {
  const k8s = toolBinDir('kubernetes');
  const etcd = toolBinDir('etcd');
  if (!k8s || !etcd)
    return {
      missing: `not built: ${[!k8s && 'kubernetes', !etcd && 'etcd'].filter(Boolean).join(', ')} (node scripts/tools.mjs build)`,
    };
  const t = {
    etcd: path.join(etcd, 'etcd'),
    kubeApiserver: path.join(k8s, 'kube-apiserver'),
    kubeControllerManager: path.join(k8s, 'kube-controller-manager'),
    kubelet: path.join(k8s, 'kubelet'),
    kubectl: path.join(k8s, 'kubectl'),
  };
  for (const p of Object.values(t)) if (!fs.existsSync(p)) return { missing: `${p} is missing` };
  return t;
}
