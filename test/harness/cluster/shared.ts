/**
 * The test run's shared cluster (started by engines.ts for the integration, host and UI layers):
 * a control plane with KubeVirt's CRDs and the limited user, and a node (containerd + kubelet)
 * so pods really run, described to test processes by PODVISOR_TEST_CLUSTER (JSON, read by
 * needCluster / needNode in env.ts). Missing tools or a failed start become
 * PODVISOR_TEST_WHY_NO_CLUSTER (or, for the node alone, PODVISOR_TEST_WHY_NO_NODE), so the
 * suites skip loudly with that reason.
 */
import * as fs from 'fs';
import * as path from 'path';
import { bootstrapCluster } from './bootstrap';
import { ControlPlane } from './controlPlane';
import { ClusterNode, type NodeInfo } from './node';
import { clusterTools } from './tools';

export interface SharedClusterEnv {
  readonly dir: string;
  readonly server: string;
  readonly adminKubeconfig: string;
  readonly aliceKubeconfig: string;
  readonly kubectl: string;
  readonly pids: Record<string, number | undefined>;
  /** The node pods run on (absent: PODVISOR_TEST_WHY_NO_NODE says why). */
  readonly node?: NodeInfo;
}

/** The node, or why there is none (PODVISOR_NO_KUBELET=1, or its start failed). */
async function startNode(
  cp: ControlPlane,
  slot: number,
  dir: string,
  log: (s: string) => void,
): Promise<ClusterNode | string> {
  if (process.env.PODVISOR_NO_KUBELET === '1') return 'PODVISOR_NO_KUBELET=1: no kubelet started';
  try {
    return await ClusterNode.start(cp, { slot, dir: path.join(dir, 'node'), log });
  } catch (e) {
    return `the test node (containerd + kubelet) failed to start: ${(e as Error).message.split('\n')[0]}`;
  }
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
    const node = await startNode(cp, slot, dir, log);
    const info: SharedClusterEnv = {
      dir,
      server: cp.server,
      adminKubeconfig: cp.adminKubeconfig,
      aliceKubeconfig: cp.aliceKubeconfig,
      kubectl: tools.kubectl,
      pids: cp.pids,
      ...(typeof node === 'string' ? {} : { node: node.info }),
    };
    log(`[engines] kubernetes ${cp.server} (KubeVirt CRDs installed) in ${Date.now() - t0} ms`);
    if (typeof node === 'string') log(`[engines] kubernetes node: MISSING — ${node}`);
    return {
      env: {
        PODVISOR_TEST_CLUSTER: JSON.stringify(info),
        ...(typeof node === 'string' ? { PODVISOR_TEST_WHY_NO_NODE: node } : {}),
      },
      report: `kubernetes: ${cp.server} (etcd pid ${cp.pids.etcd}, kube-apiserver pid ${cp.pids.apiserver}); node: ${
        typeof node === 'string'
          ? `MISSING — ${node}`
          : `${node.info.name} (kubelet pid ${node.info.pids.kubelet}, containerd pid ${node.info.pids.containerd}; runsc: MISSING — ${node.info.missingHandlers.runsc})`
      }`,
      stop: async () => {
        if (typeof node !== 'string') await node.stop();
        await cp.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    return why(`the test control plane failed to start: ${(e as Error).message.split('\n')[0]}`);
  }
}
