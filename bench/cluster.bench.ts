/**
 * Clusters: Podvisor's kube model against the alternatives a user would pick, in one run, on a
 * private test API server (etcd + kube-apiserver with KubeVirt's CRDs) holding 5,000 pods and
 * 1,000 VirtualMachines (objects created, nothing running):
 *   (a) context open → tree model ready (every kind the section shows listed, watches started)
 *       vs client-node's own list calls of the same kinds (in parallel) vs `kubectl get … -A -o json`
 *       (what Kubernetes Tools runs); target ≤ 1.2× the list calls
 *   (b) one VM changes → the model's change delivered, vs a kubectl relist; target ≥ 50× faster
 *   (c) heap held by the model of those 6,000 objects; target ≤ 60 MB
 *   (d) apply with dry run + diff of a 20-document file vs `kubectl apply --server-side
 *       --dry-run=server` + `kubectl diff --server-side`; target ≤ 1× their time
 * Prints medians and ratios; no pass/fail on absolute times.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import * as v8 from 'v8';
import * as vm from 'vm';
import { CoreV1Api, CustomObjectsApi, NodeV1Api, StorageV1Api } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { silentLogger } from '../src/common/log';
import { KubeHttp } from '../src/backends/kube/http';
import { loadKubeconfig } from '../src/backends/kube/kubeconfig';
import { KubeStore } from '../src/backends/kube/store';
import { itemId } from '../src/backends/kube/model';
import { applyDocuments, parseForApply } from '../src/backends/kube/apply';
import { ControlPlane } from '../test/harness/cluster/controlPlane';
import { bootstrapCluster } from '../test/harness/cluster/bootstrap';
import { clusterTools } from '../test/harness/cluster/tools';
import { median } from './lib/stats';

const run = promisify(execFile);
const PODS = Number(process.env.PODVISOR_BENCH_PODS ?? 5000);
const VMS = Number(process.env.PODVISOR_BENCH_VMS ?? 1000);
const NAMESPACES = 10;
const REPS = Number(process.env.PODVISOR_BENCH_REPS ?? 5);
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

async function pool<T>(items: T[], n: number, f: (x: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await f(items[i++]!);
    }),
  );
}

const vmObj = (name: string, ns: string, runStrategy = 'Halted') => ({
  apiVersion: 'kubevirt.io/v1',
  kind: 'VirtualMachine',
  metadata: { name, namespace: ns, labels: { app: 'bench' } },
  spec: {
    runStrategy,
    template: { spec: { domain: { devices: {}, resources: { requests: { memory: '64Mi' } } } } },
  },
});

async function main(): Promise<void> {
  const tools = clusterTools();
  if ('missing' in tools) {
    console.log(`!!! SKIPPED: cluster bench needs the Kubernetes tools: ${tools.missing}`);
    return;
  }
  const dir = path.join('/tmp', `podvisor-bench-cluster-${process.pid}`);
  const cp = await ControlPlane.start(dir, {
    apiserverArgs: ['--max-requests-inflight=800', '--max-mutating-requests-inflight=400'],
  });
  try {
    await bootstrapCluster(cp);
    const set = loadKubeconfig({ explicit: cp.adminKubeconfig });
    const kc = set.configFor(set.current);
    const http = new KubeHttp(kc, set.current);
    const kubectl = (args: string[]) =>
      run(tools.kubectl, [`--kubeconfig=${cp.adminKubeconfig}`, ...args], {
        maxBuffer: 1 << 30,
        env: { ...process.env, KUBECONFIG: '' },
      });

    // Objects
    const t0 = Date.now();
    const nss = Array.from({ length: NAMESPACES }, (_, i) => `bench-${i}`);
    for (const ns of nss)
      await http.request('POST', '/api/v1/namespaces', {
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      });
    const pods = Array.from({ length: PODS }, (_, i) => ({ ns: nss[i % NAMESPACES]!, name: `pod-${i}` }));
    await pool(pods, 32, (p) =>
      http.request('POST', `/api/v1/namespaces/${p.ns}/pods`, {
        body: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: p.name, labels: { app: 'bench' } },
          spec: { containers: [{ name: 'main', image: 'podvisor-test/busybox:1' }] },
        },
      }),
    );
    const vms = Array.from({ length: VMS }, (_, i) => ({ ns: nss[i % NAMESPACES]!, name: `vm-${i}` }));
    await pool(vms, 32, (v) =>
      http.request('POST', `/apis/kubevirt.io/v1/namespaces/${v.ns}/virtualmachines`, {
        body: vmObj(v.name, v.ns),
      }),
    );
    console.log(
      `created ${PODS} pods and ${VMS} VirtualMachines in ${NAMESPACES} namespaces in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );

    // (a) open → model ready
    const core = kc.makeApiClient(CoreV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const nodeApi = kc.makeApiClient(NodeV1Api);
    const storage = kc.makeApiClient(StorageV1Api);
    const crdLists: Array<[string, string, string]> = [
      ['kubevirt.io', 'v1', 'virtualmachines'],
      ['kubevirt.io', 'v1', 'virtualmachineinstances'],
      ['cdi.kubevirt.io', 'v1beta1', 'datavolumes'],
      ['instancetype.kubevirt.io', 'v1beta1', 'virtualmachineinstancetypes'],
      ['instancetype.kubevirt.io', 'v1beta1', 'virtualmachineclusterinstancetypes'],
      ['instancetype.kubevirt.io', 'v1beta1', 'virtualmachinepreferences'],
      ['instancetype.kubevirt.io', 'v1beta1', 'virtualmachineclusterpreferences'],
    ];
    const clientNodeLists = async () => {
      const s = performance.now();
      await Promise.all([
        core.listNamespace(),
        core.listPodForAllNamespaces(),
        nodeApi.listRuntimeClass(),
        storage.listStorageClass(),
        ...crdLists.map(([group, version, plural]) =>
          custom.listClusterCustomObject({ group, version, plural }),
        ),
      ]);
      return performance.now() - s;
    };
    const kubectlAll = async () => {
      const s = performance.now();
      const { stdout } = await kubectl([
        'get',
        'namespaces,pods,runtimeclasses,storageclasses,virtualmachines,virtualmachineinstances,datavolumes,virtualmachineinstancetypes,virtualmachineclusterinstancetypes,virtualmachinepreferences,virtualmachineclusterpreferences',
        '-A',
        '-o',
        'json',
      ]);
      JSON.parse(stdout);
      return performance.now() - s;
    };
    const openStore = async () => {
      const s = performance.now();
      const store = new KubeStore({
        context: set.current,
        config: set.configFor(set.current),
        namespaces: 'all',
        log: silentLogger,
      });
      store.setVisible(true);
      await store.whenSynced();
      const t = performance.now() - s;
      if (store.items.size < PODS + VMS) throw new Error(`model has ${store.items.size} items`);
      store.dispose();
      return t;
    };
    // Warm the server's caches for everyone; CRD storage answers 429 while it initializes.
    for (let i = 0; ; i++) {
      try {
        await clientNodeLists();
        break;
      } catch (e) {
        if (i > 120) throw e;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    const a = { ours: [] as number[], lists: [] as number[], kubectl: [] as number[] };
    for (let i = 0; i < REPS; i++) {
      a.ours.push(await openStore());
      a.lists.push(await clientNodeLists());
      a.kubectl.push(await kubectlAll());
    }
    const [ao, al, ak] = [median(a.ours), median(a.lists), median(a.kubectl)];
    console.log(
      `(a) context open → model ready: Podvisor ${ms(ao)}, client-node list calls ${ms(al)}, kubectl get -o json ${ms(ak)}`,
    );
    console.log(
      `    ratio vs list calls ${(ao / al).toFixed(2)}× (target ≤ 1.2×); kubectl/Podvisor ${(ak / ao).toFixed(1)}×`,
    );

    // (b) + (c): one store, kept
    // Settle the heap first: (a)'s stores and client-node's models are garbage by now.
    const settle = async () => {
      for (let i = 0; i < 4; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 200));
      }
      return process.memoryUsage().heapUsed;
    };
    const heap0 = await settle();
    const store = new KubeStore({
      context: set.current,
      config: set.configFor(set.current),
      namespaces: 'all',
      log: silentLogger,
    });
    store.setVisible(true);
    await store.whenSynced();
    const heapMb = ((await settle()) - heap0) / (1 << 20);
    console.log(
      `(c) heap held by the model of ${store.items.size} objects: ${heapMb.toFixed(1)} MB (target ≤ 60 MB)`,
    );

    const b = { ours: [] as number[], kubectl: [] as number[] };
    for (let i = 0; i < REPS * 2; i++) {
      const target = vms[i % vms.length]!;
      const id = itemId('virtualmachines', target.ns, target.name);
      const strategy = 'Always'; // every VM was created Halted: a real change each time
      const seen = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(
            new Error(
              `no change for ${id} (${strategy}) in 30 s: ${JSON.stringify(store.items.get(id)?.summary)} ${JSON.stringify(store.resourceState('virtualmachines'))}`,
            ),
          );
        }, 30_000);
        const off = store.onChange((ch) => {
          if (Array.isArray(ch.ids) && ch.ids.includes(id)) {
            const s = store.items.get(id)?.summary;
            if (s?.kind === 'vm' && s.runStrategy === strategy) {
              off();
              clearTimeout(timer);
              resolve(performance.now());
            }
          }
        });
      });
      const s = performance.now();
      await http.request(
        'PATCH',
        `/apis/kubevirt.io/v1/namespaces/${target.ns}/virtualmachines/${target.name}`,
        {
          body: { spec: { runStrategy: strategy } },
          contentType: 'application/merge-patch+json',
        },
      );
      b.ours.push((await seen) - s);
      // What a kubectl-based view does after a change: list everything again.
      b.kubectl.push(await kubectlAll());
    }
    const [bo, bk] = [median(b.ours), median(b.kubectl)];
    console.log(
      `(b) one VM changes → model current: Podvisor ${ms(bo)} (patch + watch event + coalesced change), kubectl relist ${ms(bk)}; ${(bk / bo).toFixed(0)}× faster (target ≥ 50×)`,
    );
    store.dispose();

    // (d) 20 documents: 10 existing VMs changed + 10 ConfigMaps
    const docs = [
      ...vms.slice(0, 10).map((v) => vmObj(v.name, v.ns, 'Always')),
      ...Array.from({ length: 10 }, (_, i) => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `cm-${i}`, namespace: nss[i]! },
        data: { k: `v${i}` },
      })),
    ];
    const text = docs.map((d) => `---\n${stringify(d)}`).join('\n');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pv-bench-apply-')), 'twenty.yaml');
    fs.writeFileSync(file, text);
    const d = { ours: [] as number[], kubectl: [] as number[] };
    for (let i = 0; i < REPS; i++) {
      const s = performance.now();
      const parsed = parseForApply(fs.readFileSync(file, 'utf8'), 'default');
      // force on both sides: the VMs' fields belong to the manager that created them (and to kubectl)
      const out = await applyDocuments(http, parsed.docs, { dryRun: true, withLive: true, force: true });
      if (out.results.length !== 20)
        throw new Error(`dry run: ${JSON.stringify([out.problems, out.conflicts.map((c) => c.message)])}`);
      d.ours.push(performance.now() - s);
      const k = performance.now();
      await kubectl(['apply', '--server-side', '--force-conflicts', '--dry-run=server', '-f', file]);
      await kubectl(['diff', '--server-side', '--force-conflicts', '-f', file]).catch(
        (e: { code?: number }) => {
          if (e.code !== 1) throw e; // 1 = differences found
        },
      );
      d.kubectl.push(performance.now() - k);
    }
    const [dd, dk] = [median(d.ours), median(d.kubectl)];
    console.log(
      `(d) apply dry run + diff, 20 documents: Podvisor ${ms(dd)}, kubectl apply --dry-run=server + kubectl diff ${ms(dk)}; ratio ${(dd / dk).toFixed(2)}× (target ≤ 1×)`,
    );
    http.dispose();
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  } finally {
    await cp.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
