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

describe('bundled manifest schemas', () => {
  const store = new SchemaStore(SCHEMA_DIR);

  it('are small files with provenance', () => {
    let total = 0;
    for (const f of fs.readdirSync(SCHEMA_DIR)) {
      const size = fs.statSync(path.join(SCHEMA_DIR, f)).size;
      assert.ok(size < 2_000_000, `${f} is ${size} bytes`);
      total += size;
    }
    assert.ok(total < 3_000_000, `schemas/ is ${total} bytes`);
    const prov = fs.readFileSync(path.join(SCHEMA_DIR, 'PROVENANCE.md'), 'utf8');
    assert.match(prov, /sha256/);
    assert.match(prov, /kubevirt-openapi\/swagger\.json/);
    assert.deepStrictEqual(store.kubernetesVersions(), ['1.35']);
  });

  it('are exactly what scripts/gen-schemas.mjs makes from ../shared/schemas', function () {
    const shared = path.resolve(ROOT, '..', 'shared', 'schemas');
    if (!fs.existsSync(shared)) {
      console.log('\n  !!! SKIPPED: ../shared/schemas not present\n');
      this.skip();
    }
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'podvisor-schemas-'));
    try {
      const r = spawnSync(
        process.execPath,
        [path.join(ROOT, 'scripts', 'gen-schemas.mjs'), shared, '--out', out],
        { encoding: 'utf8' },
      );
      assert.strictEqual(r.status, 0, r.stderr);
      for (const f of fs.readdirSync(SCHEMA_DIR))
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
    assert.strictEqual(detectKind('v1', 'ConfigMap'), undefined);
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
