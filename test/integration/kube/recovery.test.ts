import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { needClusterTools } from '../../harness/env';
import { ControlPlane } from '../../harness/cluster/controlPlane';
import {
  bootstrapCluster,
  crdYaml,
  kubectl as adminKubectl,
  waitForCrds,
} from '../../harness/cluster/bootstrap';
import { DEFAULT_RESOURCES, type KubeStore } from '../../../src/backends/kube/store';
import { itemId } from '../../../src/backends/kube/model';
import { newStore, pod, until, yamlDocs } from './helpers';

/**
 * A private control plane (no KubeVirt CRDs at first) that this suite kills and restarts. The
 * 2 s bounds are the issue's own requirement for the section ("says so within 2 s, recovers
 * within 2 s of a restart").
 */
describe('kube store: KubeVirt missing, API server killed and restarted', function () {
  this.timeout(180_000);
  let cp: ControlPlane | undefined;
  let store: KubeStore | undefined;
  const rejections: unknown[] = [];
  const onRejection = (e: unknown) => rejections.push(e);

  const dir = path.join('/tmp', `podvisor-kube-recovery-${process.pid}`);
  before(async function () {
    needClusterTools(this);
    cp = await ControlPlane.start(dir, {});
    await bootstrapCluster(cp, { crds: false });
    process.on('unhandledRejection', onRejection);
  });
  after(async () => {
    store?.dispose();
    process.off('unhandledRejection', onRejection);
    await cp?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a cluster without KubeVirt shows its pods and says KubeVirt is not installed', async function () {
    await adminKubectl(cp!, ['apply', '-f', '-'], yamlDocs(pod('r1', 'default')));
    store = newStore(cp!.adminKubeconfig);
    await store.whenSynced();
    assert.strictEqual(store.status.kind, 'ready');
    assert.ok(store.items.has(itemId('pods', 'default', 'r1')));
    const vmState = store.resourceState('virtualmachines');
    assert.strictEqual(vmState?.kind, 'notInstalled');
    assert.match((vmState as { reason: string }).reason, /KubeVirt is not installed/);
    assert.match((store.resourceState('datavolumes') as { reason: string }).reason, /CDI is not installed/);
  });

  it('after the CRDs are installed, a refresh finds the VMs', async function () {
    await adminKubectl(cp!, ['apply', '--server-side', '-f', '-'], crdYaml());
    await waitForCrds(cp!);
    await store!.refresh();
    const kinds = DEFAULT_RESOURCES;
    await until(
      'KubeVirt and CDI kinds synced',
      () => kinds.every((k) => store!.resourceState(k)?.kind === 'synced'),
      30_000,
    );
    assert.strictEqual(store!.status.kind, 'ready');
  });

  it('the API server killed: unreachable within 2 s; restarted: ready within 2 s, watches resumed', async function () {
    const s = store!;
    const sum = (k: 'lists' | 'watches' | 'relistsAfterGone') => s.watchStats().reduce((n, w) => n + w[k], 0);
    const before = { lists: sum('lists'), watches: sum('watches'), gone: sum('relistsAfterGone') };
    await cp!.killApiserver();
    const tKill = Date.now();
    await until('unreachable', () => s.status.kind === 'unreachable', 2000, 20);
    console.log(
      `      unreachable after ${Date.now() - tKill} ms: ${(s.status as { reason: string }).reason}`,
    );
    assert.match(
      (s.status as { reason: string }).reason,
      /Cannot reach the API server at https:\/\/127\.0\.0\.1:\d+/,
    );
    await new Promise((r) => setTimeout(r, 1500)); // stays down a while; retries stay bounded
    await cp!.restartApiserver();
    const tUp = Date.now();
    await until('ready again', () => s.status.kind === 'ready', 2000, 20);
    console.log(`      ready ${Date.now() - tUp} ms after the API server answered /readyz`);
    // watches resumed from their resourceVersion: a new pod arrives by watch, and nothing relisted
    await adminKubectl(cp!, ['apply', '-f', '-'], yamlDocs(pod('r2', 'default')));
    await until('r2 by watch', () => s.items.has(itemId('pods', 'default', 'r2')), 10_000);
    const after = { lists: sum('lists'), watches: sum('watches'), gone: sum('relistsAfterGone') };
    console.log(
      `      before ${JSON.stringify(before)}, after ${JSON.stringify(after)} (a restarted watch cache answers 410 to versions older than its start)`,
    );
    assert.ok(after.watches >= before.watches + s.watchStats().length, 'every watch re-established');
    assert.strictEqual(after.lists - before.lists, after.gone - before.gone, 'a list only after a 410');
    assert.deepStrictEqual(rejections, []);
  });
});
