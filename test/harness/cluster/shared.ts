/**
 * The test run's shared cluster (started by engines.ts for the integration, host and UI layers):
 * a control plane with KubeVirt's CRDs and the limited user, described to test processes by
 * PODVISOR_TEST_CLUSTER (JSON, read by needCluster in env.ts). Missing tools or a failed start
 * become PODVISOR_TEST_WHY_NO_CLUSTER, so the suites skip loudly with that reason.
 */
import * as fs from 'fs';
import * as path from 'path';
import { bootstrapCluster } from './bootstrap';
import { ControlPlane } from './controlPlane';
import { clusterTools } from './tools';

export interface SharedClusterEnv {
  readonly dir: string;
  readonly server: string;
  readonly adminKubeconfig: string;
  readonly aliceKubeconfig: string;
  readonly kubectl: string;
  readonly pids: Record<string, number | undefined>;
}

export async function startSharedCluster(
  slot: number,
  log: (s: string) => void,
): Promise<{ env: Record<string, string>; report: string; stop?: () => Promise<void> }> {
  const why = (reason: string) => ({
    env: { PODVISOR_TEST_WHY_NO_CLUSTER: reason },
    report: `kubernetes: MISSING — ${reason}`,
  });
  if (process.env.PODVISOR_TEST_WHY_NO_CLUSTER) return why(process.env.PODVISOR_TEST_WHY_NO_CLUSTER);
  const tools = clusterTools();
  if ('missing' in tools) return why(`Kubernetes tools ${tools.missing}`);
  const dir = path.join('/tmp', `podvisor-cluster-${slot}`);
  try {
    const t0 = Date.now();
    fs.rmSync(path.join(dir, 'etcd-data'), { recursive: true, force: true });
    const cp = await ControlPlane.start(dir, { controllerManager: true, log });
    await bootstrapCluster(cp);
    const info: SharedClusterEnv = {
      dir,
      server: cp.server,
      adminKubeconfig: cp.adminKubeconfig,
      aliceKubeconfig: cp.aliceKubeconfig,
      kubectl: tools.kubectl,
      pids: cp.pids,
    };
    log(`[engines] kubernetes ${cp.server} (KubeVirt CRDs installed) in ${Date.now() - t0} ms`);
    return {
      env: { PODVISOR_TEST_CLUSTER: JSON.stringify(info) },
      report: `kubernetes: ${cp.server} (etcd pid ${cp.pids.etcd}, kube-apiserver pid ${cp.pids.apiserver})`,
      stop: async () => {
        await cp.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    return why(`the test control plane failed to start: ${(e as Error).message.split('\n')[0]}`);
  }
}
