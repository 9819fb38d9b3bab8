import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { crdYaml } from '../../../harness/cluster/bootstrap';
import { sharedSchemasDir } from '../../../harness/env';
import { skipLoudly } from '../../../harness/skip';

/** The catalog in ../shared adds `additionalProperties: false` beside `properties`; a CRD cannot have both. */
function withoutCatalogStrictness(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(withoutCatalogStrictness);
  if (typeof s !== 'object' || s === null) return s;
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s))
    if (!(k === 'additionalProperties' && v === false && 'properties' in s))
      o[k] = withoutCatalogStrictness(v);
  return o;
}

describe('the test cluster CRDs (generated from KubeVirt operator code, committed)', function () {
  const crds = parseAllDocuments(crdYaml())
    .map((d) => d.toJS())
    .filter((d) => d?.kind === 'CustomResourceDefinition');

  it('has KubeVirt and CDI CRDs with the names, short names and subresources the operator sets', function () {
    const byName = new Map(crds.map((c) => [c.metadata.name, c]));
    const vm = byName.get('virtualmachines.kubevirt.io');
    assert.ok(vm, 'VirtualMachine CRD');
    assert.deepStrictEqual(vm.spec.names.shortNames, ['vm', 'vms']);
    const v1 = vm.spec.versions.find((v: { name: string }) => v.name === 'v1');
    assert.ok(v1.served && v1.storage);
    assert.deepStrictEqual(v1.subresources, { status: {} });
    assert.ok(v1.additionalPrinterColumns.some((c: { name: string }) => c.name === 'Status'));
    const vmi = byName.get('virtualmachineinstances.kubevirt.io');
    assert.deepStrictEqual(vmi.spec.names.shortNames, ['vmi', 'vmis']);
    assert.strictEqual(
      vmi.spec.versions.find((v: { name: string }) => v.name === 'v1').subresources,
      undefined,
    );
    for (const n of [
      'virtualmachineinstancetypes.instancetype.kubevirt.io',
      'virtualmachineclusterpreferences.instancetype.kubevirt.io',
      'datavolumes.cdi.kubevirt.io',
    ])
      assert.ok(byName.has(n), n);
  });

  it('their schemas equal the openAPIV3Schema parts in ../shared/schemas/kubevirt-crds, where present', function () {
    const shared = sharedSchemasDir();
    if (!shared || !fs.existsSync(path.join(shared, 'kubevirt-crds'))) {
      skipLoudly(this, '../shared/schemas/kubevirt-crds is not beside the clone');
    }
    let compared = 0;
    const differ: string[] = [];
    for (const c of crds) {
      for (const v of c.spec.versions) {
        const file = path.join(
          shared,
          'kubevirt-crds',
          c.spec.group,
          `${c.spec.names.kind.toLowerCase()}_${v.name}.json`,
        );
        if (!fs.existsSync(file)) continue;
        compared++;
        const want = withoutCatalogStrictness(JSON.parse(fs.readFileSync(file, 'utf8')));
        try {
          assert.deepStrictEqual(v.schema.openAPIV3Schema, want);
        } catch {
          differ.push(`${c.spec.group}/${c.spec.names.kind} ${v.name}`);
        }
      }
    }
    console.log(`      compared ${compared} schemas; differ: ${differ.join(', ') || 'none'}`);
    assert.ok(compared >= 20, `compared ${compared}`);
    assert.deepStrictEqual(differ, []);
  });
});
