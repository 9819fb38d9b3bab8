import { execFile } from 'child_process';
import { stringify } from 'yaml';
import { consoleLogger } from '../../../src/common/log';
import { loadKubeconfig } from '../../../src/backends/kube/kubeconfig';
import { KubeStore, type KubeStoreOptions } from '../../../src/backends/kube/store';
import type { SharedClusterEnv } from '../../harness/cluster/shared';

export { until } from '../../harness/until';

export const log = consoleLogger('kube-test');

/** kubectl of the test cluster (a real, independent client to set up and check the cluster). */
export function kubectl(
  c: Pick<SharedClusterEnv, 'kubectl'>,
  kubeconfig: string,
  args: string[],
  input?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      c.kubectl,
      [`--kubeconfig=${kubeconfig}`, ...args],
      { maxBuffer: 64 << 20, env: { ...process.env, KUBECONFIG: '' } },
      (err, stdout, stderr) =>
        err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

export function yamlDocs(...docs: object[]): string {
  return docs.map((d) => `---\n${stringify(d)}`).join('\n');
}

export function pod(name: string, namespace: string, extra: Record<string, unknown> = {}): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: {
      containers: [{ name: 'main', image: 'podvisor-test/busybox:1', imagePullPolicy: 'Never' }],
      ...extra,
    },
  };
}

export function vm(
  name: string,
  namespace: string,
  runStrategy = 'Halted',
  extra: Record<string, unknown> = {},
): object {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name, namespace },
    spec: {
      runStrategy,
      template: {
        spec: {
          domain: { devices: {}, resources: { requests: { memory: '64Mi' } } },
        },
      },
      ...extra,
    },
  };
}

export function newStore(kubeconfig: string, opts: Partial<KubeStoreOptions> = {}): KubeStore {
  const set = loadKubeconfig({ explicit: kubeconfig });
  const ctx = set.contexts.find((c) => c.name === set.current)!;
  const store = new KubeStore({
    context: ctx.name,
    config: set.configFor(ctx.name),
    namespaces: 'all',
    contextNamespace: ctx.namespace,
    log,
    ...opts,
  });
  store.setVisible(true);
  return store;
}

/** A namespace name unique to this run of a suite. */
export function uniqueNs(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Every kind that listed has its watch open (whenSynced resolves after the lists, before the watches). */
export async function watching(store: KubeStore): Promise<void> {
  const { until } = await import('../../harness/until');
  await until('watches open', () => store.watchStats().every((w) => w.lists === 0 || w.watches > 0), 20_000);
}
