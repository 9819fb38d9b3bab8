import * as assert from 'assert';
import { stringify } from 'yaml';
import { needCluster } from '../../harness/env';
import type { SharedClusterEnv } from '../../harness/cluster/shared';
import { KubeHttp } from '../../../src/backends/kube/http';
import { loadKubeconfig } from '../../../src/backends/kube/kubeconfig';
import { applyDocuments, liveYaml, parseForApply } from '../../../src/backends/kube/apply';
import { deleteObject, vmAction } from '../../../src/backends/kube/actions';
import { kubectl, uniqueNs, vm, yamlDocs } from './helpers';

describe('apply (server-side, dry run + diff) and actions without virt-api, on the real API server', function () {
  let c: SharedClusterEnv;
  let ns: string;
  let http: KubeHttp;

  before(async function () {
    c = needCluster(this);
    ns = uniqueNs('pv-apply');
    await kubectl(c, c.adminKubeconfig, ['create', 'namespace', ns]);
    const set = loadKubeconfig({ explicit: c.adminKubeconfig });
    http = new KubeHttp(set.configFor(set.current), set.current);
  });
  after(async function () {
    http?.dispose();
    if (c && ns)
      await kubectl(c, c.adminKubeconfig, ['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
  });

  const getJson = async (kind: string, name: string) =>
    JSON.parse(
      await kubectl(c, c.adminKubeconfig, [
        'get',
        kind,
        name,
        '-n',
        ns,
        '-o',
        'json',
        '--show-managed-fields',
      ]),
    );

  it('a dry run changes nothing and returns what the object would become; the apply then creates it', async function () {
    const text = yamlDocs(vm('a1', ns, 'Halted'), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm1' },
      data: { k: 'v' },
    });
    const { docs, problems } = parseForApply(text, ns);
    assert.deepStrictEqual(problems, []);
    const dry = await applyDocuments(http, docs, { dryRun: true, withLive: true });
    assert.deepStrictEqual(dry.problems, []);
    assert.strictEqual(dry.results.length, 2);
    const first = dry.results[0]!;
    assert.strictEqual(first.live, '', 'no live object yet');
    assert.match(first.result, /runStrategy: Halted/);
    await assert.rejects(kubectl(c, c.adminKubeconfig, ['get', 'vm', 'a1', '-n', ns]), /NotFound|not found/);
    const real = await applyDocuments(http, docs, { dryRun: false });
    assert.deepStrictEqual(real.problems, []);
    const live = await getJson('vm', 'a1');
    assert.strictEqual(live.spec.runStrategy, 'Halted');
    assert.ok(
      live.metadata.managedFields.some(
        (m: { manager: string; operation: string }) => m.manager === 'podvisor' && m.operation === 'Apply',
      ),
    );
    assert.strictEqual((await getJson('configmap', 'cm1')).data.k, 'v');
  });

  it('the diff shows the live object against the dry-run result', async function () {
    const { docs } = parseForApply(yamlDocs(vm('a1', ns, 'Always')), ns);
    const dry = await applyDocuments(http, docs, { dryRun: true, withLive: true });
    const r = dry.results[0]!;
    assert.ok(r.changed);
    assert.match(r.live, /runStrategy: Halted/);
    assert.match(r.result, /runStrategy: Always/);
    assert.doesNotMatch(r.result, /managedFields/);
    assert.strictEqual((await getJson('vm', 'a1')).spec.runStrategy, 'Halted', 'dry run left it');
  });

  it('a field another manager owns is a conflict; forcing takes it over', async function () {
    await kubectl(c, c.adminKubeconfig, [
      'patch',
      'vm',
      'a1',
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"spec":{"runStrategy":"Manual"}}',
      '--field-manager=someone-else',
    ]);
    const { docs } = parseForApply(yamlDocs(vm('a1', ns, 'Always')), ns);
    const out = await applyDocuments(http, docs, { dryRun: false });
    assert.strictEqual(out.conflicts.length, 1);
    assert.match(out.conflicts[0]!.message, /someone-else/);
    assert.strictEqual((await getJson('vm', 'a1')).spec.runStrategy, 'Manual');
    const forced = await applyDocuments(http, docs, { dryRun: false, force: true });
    assert.deepStrictEqual([forced.conflicts, forced.problems], [[], []]);
    assert.strictEqual((await getJson('vm', 'a1')).spec.runStrategy, 'Always');
  });

  it("errors the API server returns land on the document's own lines", async function () {
    const text = [
      '---',
      stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fine' }, data: { a: 'b' } }),
      '---',
      stringify(vm('bad-vm', ns, 5 as unknown as string)),
      '---',
      stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'typo' }, dta: { a: 'b' } }),
    ].join('\n');
    const { docs } = parseForApply(text, ns);
    const out = await applyDocuments(http, docs, { dryRun: true });
    const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
    const byDoc = new Map(out.problems.map((p) => [p.docIndex, p]));
    assert.ok(!byDoc.has(0), 'the good document has no problem');
    const bad = byDoc.get(1)!;
    assert.ok(bad, JSON.stringify(out.problems));
    assert.match(bad.message, /runStrategy/);
    assert.strictEqual(text.slice(bad.start, bad.end), 'runStrategy: 5', 'marks the runStrategy field');
    const typo = byDoc.get(2)!;
    assert.match(typo.message, /dta/);
    assert.match(text.split('\n')[lineOf(typo.start) - 1] ?? '', /dta:/);
  });

  it('without the subresource API, start and stop patch spec.runStrategy and say so; pause is refused', async function () {
    await kubectl(c, c.adminKubeconfig, ['apply', '-f', '-'], yamlDocs(vm('fb', ns, 'Halted')));
    const start = await vmAction(http, ns, 'fb', 'start');
    assert.strictEqual(start.via, 'runStrategy');
    assert.match(start.note!, /subresource API is not served: set spec.runStrategy .* to Always/);
    assert.strictEqual((await getJson('vm', 'fb')).spec.runStrategy, 'Always');
    const stop = await vmAction(http, ns, 'fb', 'stop');
    assert.strictEqual(stop.via, 'runStrategy');
    assert.strictEqual((await getJson('vm', 'fb')).spec.runStrategy, 'Halted');
    await assert.rejects(vmAction(http, ns, 'fb', 'pause'), /Cannot pause .*subresource API/);
  });

  it('live YAML reads the object; delete removes it', async function () {
    assert.match(await liveYaml(http, 'kubevirt.io/v1', 'VirtualMachine', 'fb', ns), /name: fb/);
    await deleteObject(http, 'virtualmachines', ns, 'fb');
    await assert.rejects(kubectl(c, c.adminKubeconfig, ['get', 'vm', 'fb', '-n', ns]), /not found/);
    await assert.rejects(
      deleteObject(http, 'virtualmachines', ns, 'Bad Name'),
      /Invalid VirtualMachine name/,
    );
  });
});
