import * as assert from 'assert';
import { needCluster } from '../../harness/env';
import type { SharedClusterEnv } from '../../harness/cluster/shared';
import type { KubeStore } from '../../../src/backends/kube/store';
import type { Change } from '../../../src/backends/store';
import { itemId } from '../../../src/backends/kube/model';
import { kubectl, newStore, pod, uniqueNs, until, vm, watching, yamlDocs } from './helpers';

describe('kube store on the real API server (list + watch)', function () {
  let c: SharedClusterEnv;
  let ns: string;
  let store: KubeStore | undefined;

  before(async function () {
    c = needCluster(this);
    ns = uniqueNs('pv-store');
    await kubectl(c, c.adminKubeconfig, ['create', 'namespace', ns]);
  });
  afterEach(() => {
    store?.dispose();
    store = undefined;
  });
  after(async function () {
    if (c && ns)
      await kubectl(c, c.adminKubeconfig, ['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
  });

  it('lists every kind and keeps pods and VMs current from watch events, by id', async function () {
    await kubectl(
      c,
      c.adminKubeconfig,
      ['apply', '-f', '-'],
      yamlDocs(pod('p1', ns), vm('vm1', ns, 'Halted')),
    );
    store = newStore(c.adminKubeconfig);
    await store.whenSynced();
    assert.strictEqual(store.status.kind, 'ready');
    for (const k of [
      'pods',
      'virtualmachines',
      'virtualmachineinstances',
      'datavolumes',
      'runtimeclasses',
    ] as const)
      assert.strictEqual(
        store.resourceState(k)?.kind,
        'synced',
        `${k}: ${JSON.stringify(store.resourceState(k))}`,
      );
    const p1 = store.items.get(itemId('pods', ns, 'p1'));
    assert.ok(p1, 'p1 listed');
    assert.strictEqual(p1.summary.kind === 'pod' && p1.summary.phase, 'Pending');
    const v = store.items.get(itemId('virtualmachines', ns, 'vm1'));
    assert.ok(v && v.summary.kind === 'vm');
    assert.strictEqual(v.summary.kind === 'vm' && v.summary.runStrategy, 'Halted');
    assert.ok(store.namespaces().includes(ns));

    const changes: Change[] = [];
    store.onChange((ch) => changes.push(ch));
    await kubectl(c, c.adminKubeconfig, ['apply', '-f', '-'], yamlDocs(pod('p2', ns)));
    await until('p2 from the watch, in a change naming it', () =>
      changes.some((ch) => Array.isArray(ch.ids) && ch.ids.includes(itemId('pods', ns, 'p2'))),
    );
    assert.ok(store.items.get(itemId('pods', ns, 'p2')));
    assert.ok(
      changes.every((ch) => ch.ids !== 'all'),
      'no full refresh for one new pod',
    );

    await kubectl(c, c.adminKubeconfig, [
      'patch',
      'vm',
      'vm1',
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"spec":{"runStrategy":"Always"}}',
    ]);
    await until('vm1 runStrategy Always', () => {
      const s = store!.items.get(itemId('virtualmachines', ns, 'vm1'))?.summary;
      return s?.kind === 'vm' && s.runStrategy === 'Always';
    });
    await kubectl(c, c.adminKubeconfig, ['delete', 'pod', 'p2', '-n', ns, '--grace-period=0', '--force']);
    await until('p2 removed', () => !store!.items.has(itemId('pods', ns, 'p2')));
    // Nothing but watches: one list per watcher, no relist.
    for (const s of store.watchStats()) {
      assert.strictEqual(s.lists, 1, `${s.resource} listed once`);
      assert.strictEqual(s.relistsAfterGone, 0);
    }
  });

  it('coalesces a burst (a collection delete) into fewer changes than objects', async function () {
    const names = Array.from({ length: 40 }, (_, i) => `burst-${i}`);
    const burstNs = uniqueNs('pv-burst');
    await kubectl(c, c.adminKubeconfig, ['create', 'namespace', burstNs]);
    await kubectl(c, c.adminKubeconfig, ['apply', '-f', '-'], yamlDocs(...names.map((n) => pod(n, burstNs))));
    store = newStore(c.adminKubeconfig);
    await store.whenSynced();
    assert.ok(names.every((n) => store!.items.has(itemId('pods', burstNs, n))));
    const changes: Change[] = [];
    store.onChange((ch) => changes.push(ch));
    const eventsBefore = store.watchStats().find((w) => w.resource === 'pods')!.events;
    // One request; the server deletes them all and the watch delivers the DELETED events in a burst.
    await kubectl(c, c.adminKubeconfig, ['delete', '--raw', `/api/v1/namespaces/${burstNs}/pods`]);
    await until('all 40 gone', () => names.every((n) => !store!.items.has(itemId('pods', burstNs, n))));
    const ids = new Set(changes.flatMap((ch) => (Array.isArray(ch.ids) ? ch.ids : [])));
    for (const n of names) assert.ok(ids.has(itemId('pods', burstNs, n)), `${n} reported`);
    // How many reads the burst arrives in depends on the machine's load; the store never reports
    // more changes than watch events, and events that arrive together become one change (the
    // window itself is unit-tested).
    const events = store.watchStats().find((w) => w.resource === 'pods')!.events - eventsBefore;
    console.log(`      (${changes.length} changes for ${events} watch events, ${names.length} deletions)`);
    assert.ok(changes.length <= events, `${changes.length} changes for ${events} events`);
    await kubectl(c, c.adminKubeconfig, ['delete', 'namespace', burstNs, '--wait=false']);
  });

  it('an idle store delivers no change and makes no request', async function () {
    // Its own quiet namespace: other suites share the cluster.
    store = newStore(c.adminKubeconfig, {
      namespaces: [ns],
      resources: ['pods', 'virtualmachines', 'runtimeclasses'],
    });
    await store.whenSynced();
    await watching(store);
    const before = { delivered: store.delivered, stats: JSON.stringify(store.watchStats()) };
    await new Promise((r) => setTimeout(r, 1500));
    assert.strictEqual(store.delivered, before.delivered);
    assert.strictEqual(JSON.stringify(store.watchStats()), before.stats);
  });

  it('the limited user sees only its namespace; forbidden kinds are states, not an error storm', async function () {
    await kubectl(
      c,
      c.adminKubeconfig,
      ['apply', '-f', '-'],
      yamlDocs(pod('alice-pod', 'team-a'), vm('alice-vm', 'team-a')),
    );
    store = newStore(c.aliceKubeconfig);
    await store.whenSynced();
    await watching(store);
    assert.strictEqual(store.status.kind, 'ready');
    assert.deepStrictEqual(store.namespaces(), ['team-a']);
    assert.ok(store.items.has(itemId('pods', 'team-a', 'alice-pod')));
    assert.ok(store.items.has(itemId('virtualmachines', 'team-a', 'alice-vm')));
    assert.ok(![...store.items.values()].some((i) => i.namespace === ns), 'nothing from other namespaces');
    assert.strictEqual(store.resourceState('runtimeclasses')?.kind, 'forbidden');
    assert.strictEqual(store.resourceState('namespaces')?.kind, 'forbidden');
    assert.match((store.resourceState('runtimeclasses') as { reason: string }).reason, /forbidden/);
    const s0 = JSON.stringify(store.watchStats());
    await new Promise((r) => setTimeout(r, 1500));
    assert.strictEqual(JSON.stringify(store.watchStats()), s0, 'no retries of forbidden kinds');
    // and its own namespace keeps updating
    await kubectl(c, c.aliceKubeconfig, ['apply', '-f', '-'], yamlDocs(pod('alice-pod2', 'team-a')));
    await until('alice-pod2', () => store!.items.has(itemId('pods', 'team-a', 'alice-pod2')));
    await kubectl(c, c.adminKubeconfig, [
      'delete',
      'pod',
      '-n',
      'team-a',
      '--all',
      '--grace-period=0',
      '--force',
    ]);
    await kubectl(c, c.adminKubeconfig, ['delete', 'vm', '-n', 'team-a', '--all']);
  });
});
