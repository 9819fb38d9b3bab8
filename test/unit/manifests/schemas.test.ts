/** The bundled schemas: compact, reproducible from ../shared/schemas, and resolvable by path. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { SchemaStore } from '../../../src/manifests/schemas';
import { detectKind } from '../../../src/manifests/kinds';
import { readManifestSettings } from '../../../src/common/settings/manifests';
import { validationOptionsFrom, DEFAULT_RUNTIME_HANDLERS } from '../../../src/manifests/diagnostics';
import { ROOT, SCHEMA_DIR } from './corpusLib';
import { skipLoudly } from '../../harness/skip';

describe('bundled manifest schemas', () => {
  const store = new SchemaStore(SCHEMA_DIR);

  it('are small files with provenance, shared between versions', () => {
    let total = 0;
    const files: string[] = [];
    for (const fam of ['kubernetes', 'kubevirt'])
      for (const f of fs.readdirSync(path.join(SCHEMA_DIR, fam))) files.push(path.join(fam, f));
    for (const f of files) {
      const size = fs.statSync(path.join(SCHEMA_DIR, f)).size;
      assert.ok(size < 1_500_000, `${f} is ${size} bytes`);
      total += size;
    }
    // Seven Kubernetes and four KubeVirt versions: far less than 11 copies of one (~1 MB each).
    assert.ok(total < 4_000_000, `schemas/ is ${total} bytes`);
    const sources = fs.readFileSync(path.join(SCHEMA_DIR, 'SOURCES.md'), 'utf8');
    for (const m of [
      /k8s\.io\/kubernetes@v1\.31\.\d+ \(h1:/,
      /k8s\.io\/kubernetes@v1\.37\.\d+ \(h1:/,
      /kubevirt\.io\/kubevirt@v1\.4\.\d+ \(h1:/,
    ])
      assert.match(sources, m);
    assert.match(sources, /\| `api\/openapi-spec\/v3\/api__v1_openapi\.json` \| \d+ \| `[0-9a-f]{64}` \|/);
    assert.deepStrictEqual(store.kubernetesVersions(), [
      '1.31',
      '1.32',
      '1.33',
      '1.34',
      '1.35',
      '1.36',
      '1.37',
    ]);
    assert.deepStrictEqual(store.versions('kubevirt'), ['1.4', '1.5', '1.6', '1.7']);
  });

  it('are exactly what scripts/gen-schemas.mjs makes from the Go module sources', function () {
    this.timeout(120_000);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'podvisor-schemas-'));
    try {
      const r = spawnSync(
        process.execPath,
        [path.join(ROOT, 'scripts', 'gen-schemas.mjs'), '--offline', '--out', out],
        { encoding: 'utf8' },
      );
      if (r.status === 3) {
        // The sources are Go modules (k8s.io/kubernetes, kubevirt.io/kubevirt) and the shared CRD catalog.
        skipLoudly(this, `schema sources not at hand: ${r.stderr.trim()}`);
      }
      assert.strictEqual(r.status, 0, r.stderr);
      const rel = (d: string): string[] =>
        fs
          .readdirSync(d, { recursive: true })
          .map(String)
          .filter((f) => fs.statSync(path.join(d, f)).isFile())
          .sort();
      assert.deepStrictEqual(rel(out), rel(SCHEMA_DIR), 'the same files');
      for (const f of rel(SCHEMA_DIR))
        assert.ok(
          fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(SCHEMA_DIR, f))),
          `${f} is stale: run node scripts/gen-schemas.mjs`,
        );
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('serve every kind the engine recognises, and resolve paths through $refs', () => {
    const kinds: [string, string][] = [
      ['kubevirt.io/v1', 'VirtualMachine'],
      ['kubevirt.io/v1', 'VirtualMachineInstance'],
      ['kubevirt.io/v1', 'VirtualMachineInstanceReplicaSet'],
      ['kubevirt.io/v1', 'VirtualMachineInstanceMigration'],
      ['pool.kubevirt.io/v1beta1', 'VirtualMachinePool'],
      ['cdi.kubevirt.io/v1beta1', 'DataVolume'],
      ['instancetype.kubevirt.io/v1beta1', 'VirtualMachineClusterInstancetype'],
      ['instancetype.kubevirt.io/v1beta1', 'VirtualMachinePreference'],
      ['snapshot.kubevirt.io/v1beta1', 'VirtualMachineSnapshot'],
      ['export.kubevirt.io/v1beta1', 'VirtualMachineExport'],
      ['clone.kubevirt.io/v1beta1', 'VirtualMachineClone'],
      ['v1', 'Pod'],
      ['apps/v1', 'Deployment'],
      ['apps/v1', 'StatefulSet'],
      ['batch/v1', 'Job'],
      ['batch/v1', 'CronJob'],
      ['node.k8s.io/v1', 'RuntimeClass'],
    ];
    for (const [av, k] of kinds) {
      const info = detectKind(av, k);
      assert.ok(info, `${av} ${k} not recognised`);
      assert.ok(store.forKind(info), `${av} ${k}: no schema`);
    }
    const vm = store.forKind(detectKind('kubevirt.io/v1', 'VirtualMachine')!)!;
    const rs = store.resolveAt(vm, ['spec', 'runStrategy'])!;
    assert.deepStrictEqual(rs.enum, [
      'Always',
      'RerunOnFailure',
      'Manual',
      'Halted',
      'Once',
      'WaitAsReceiver',
    ]);
    const mem = store.resolveAt(vm, [
      'spec',
      'template',
      'spec',
      'domain',
      'resources',
      'requests',
      'memory',
    ])!;
    assert.strictEqual(store.describe(mem).types[0], 'quantity');
    const bus = store.resolveAt(vm, [
      'spec',
      'template',
      'spec',
      'domain',
      'devices',
      'disks',
      0,
      'disk',
      'bus',
    ])!;
    assert.match(store.describe(bus).description ?? '', /virtio/i);
    const pod = store.forKind(detectKind('v1', 'Pod')!)!;
    assert.ok(store.describe(store.resolveAt(pod, ['spec'])).required.includes('containers'));
    assert.deepStrictEqual(store.resolveAt(pod, ['spec', 'containers', 0, 'imagePullPolicy'])!.enum, [
      'Always',
      'IfNotPresent',
      'Never',
    ]);
    assert.ok(
      store.describe(store.resolveAt(vm, ['metadata'])).properties.includes('labels'),
      'CRD metadata typed as ObjectMeta',
    );
  });

  it('detects Virtlet pods, workload pod templates and removed versions', () => {
    assert.strictEqual(
      detectKind('v1', 'Pod', { annotations: { 'kubernetes.io/target-runtime': 'virtlet.cloud' } })?.family,
      'virtlet',
    );
    assert.deepStrictEqual(detectKind('batch/v1', 'CronJob')?.podTemplatePath, [
      'spec',
      'jobTemplate',
      'spec',
      'template',
    ]);
    assert.deepStrictEqual(detectKind('extensions/v1beta1', 'Deployment')?.removed, {
      replacement: 'apps/v1',
    });
    assert.strictEqual(detectKind('v1', 'ConfigMap')?.family, 'kube');
    assert.strictEqual(detectKind('widgets.example.com/v1', 'Widget'), undefined);
    assert.strictEqual(
      detectKind('widgets.example.com/v1', 'Widget', undefined, () => true)?.family,
      'custom',
    );
    assert.strictEqual(detectKind('kubevirt.io/v9', 'VirtualMachine'), undefined);
  });

  it('settings: Kubernetes version and known handlers', () => {
    const s = readManifestSettings(
      (k) =>
        (
          ({
            'podvisor.manifests.kubernetesVersion': 'latest',
            'podvisor.manifests.knownRuntimeHandlers': ['my-rc', 'Bad Name', 3],
          }) as Record<string, unknown>
        )[k],
    );
    assert.strictEqual(s.kubernetesVersion, '1.35');
    assert.deepStrictEqual(s.knownRuntimeHandlers, ['my-rc']);
    const o = validationOptionsFrom(s);
    assert.ok(o.knownRuntimeHandlers.includes('my-rc') && o.knownRuntimeHandlers.includes('runsc'));
    assert.strictEqual(o.knownRuntimeHandlers.length, DEFAULT_RUNTIME_HANDLERS.length + 1);
  });
});
