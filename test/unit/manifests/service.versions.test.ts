/**
 * Versions: the chosen Kubernetes / KubeVirt version decides which apiVersions are served, which
 * fields exist and which are deprecated; a runtime schema set (a connected cluster) wins.
 */
import * as assert from 'assert';
import { ManifestService } from '../../../src/manifests/service';
import { SchemaStore } from '../../../src/manifests/schemas';
import { KUBERNETES_GROUPS } from '../../../src/manifests/kinds';
import { runtimeSchemaSet } from '../../../src/manifests/runtimeSchemas';
import type { ManifestDiagnostic } from '../../../src/manifests/diagnostics';
import { SCHEMA_DIR } from './corpusLib';

const store = new SchemaStore(SCHEMA_DIR);
let n = 0;
function check(
  text: string,
  o: { kubernetesVersion?: string; kubevirtVersion?: string } = {},
  svc = new ManifestService({ store, options: o }),
): (ManifestDiagnostic & { at: string })[] {
  return svc.open(`v${n++}`, text).map((d) => ({ ...d, at: text.slice(d.start, d.end) }));
}
const codes = (d: { code: string; at: string }[]) => d.map((x) => [x.code, x.at]);

const FLOW = `apiVersion: flowcontrol.apiserver.k8s.io/v1beta3
kind: FlowSchema
metadata:
  name: fs
spec:
  priorityLevelConfiguration:
    name: global-default
`;
const POD = (extra: string) => `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
${extra}  containers:
  - name: c
    image: nginx
`;

describe('manifest versions', () => {
  it('know the groups of every bundled Kubernetes version', () => {
    const groups = new Set<string>();
    for (const v of store.kubernetesVersions())
      for (const k of store.kindKeys('kubernetes', v)) {
        const p = k.split('/');
        groups.add(p.length === 3 ? p[0]! : '');
      }
    assert.deepStrictEqual([...groups].sort(), [...KUBERNETES_GROUPS].sort());
  });

  it('an apiVersion removed in a later version: a warning before, an error after, with the replacement', () => {
    const before = check(FLOW, { kubernetesVersion: '1.31' });
    assert.deepStrictEqual(codes(before), [
      ['api.deprecated-version', 'flowcontrol.apiserver.k8s.io/v1beta3'],
    ]);
    assert.match(
      before[0]!.message,
      /removed in Kubernetes 1\.32: use `flowcontrol\.apiserver\.k8s\.io\/v1`/,
    );
    const after = check(FLOW, { kubernetesVersion: '1.33' });
    assert.deepStrictEqual(codes(after), [['api.removed-version', 'flowcontrol.apiserver.k8s.io/v1beta3']]);
    assert.strictEqual(after[0]!.severity, 'error');
    assert.deepStrictEqual(
      (after[0]!.data as { replacement: string }).replacement,
      'flowcontrol.apiserver.k8s.io/v1',
    );
    assert.deepStrictEqual(check(FLOW.replace('v1beta3', 'v1'), { kubernetesVersion: '1.33' }), []);
  });

  it('an apiVersion newer than the chosen version, and one removed before any bundled version', () => {
    const cidr =
      'apiVersion: networking.k8s.io/v1\nkind: ServiceCIDR\nmetadata:\n  name: c\nspec:\n  cidrs: [10.96.0.0/16]\n';
    const d = check(cidr, { kubernetesVersion: '1.31' });
    assert.deepStrictEqual(codes(d), [['api.not-yet-served', 'networking.k8s.io/v1']]);
    assert.match(d[0]!.message, /served from Kubernetes 1\.33 on.*use `networking\.k8s\.io\/v1beta1`/);
    assert.deepStrictEqual(check(cidr, { kubernetesVersion: '1.33' }), []);
    const ing = (av: string) =>
      `apiVersion: ${av}\nkind: Ingress\nmetadata:\n  name: i\nspec:\n  defaultBackend:\n    service:\n      name: s\n      port:\n        number: 80\n`;
    for (const av of ['networking.k8s.io/v1beta1', 'extensions/v1beta1']) {
      const r = check(ing(av));
      assert.deepStrictEqual(codes(r), [['api.removed-version', av]], av);
      assert.match(r[0]!.message, /`networking\.k8s\.io\/v1`/);
    }
    const psp = check('apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: p\n');
    assert.match(psp[0]!.message, /Pod Security Admission/);
  });

  it('a kind Kubernetes does not have in a group it owns: a warning with the likely kind', () => {
    const d = check('apiVersion: apps/v1\nkind: Deploymnet\nmetadata:\n  name: d\n');
    assert.deepStrictEqual(codes(d), [['api.unknown-kind', 'Deploymnet']]);
    assert.match(d[0]!.message, /did you mean `Deployment`/);
  });

  it('a field added in a later version names the version; a deprecated field warns', () => {
    const pod = POD('  hostnameOverride: web\n');
    const d = check(pod, { kubernetesVersion: '1.33' });
    assert.deepStrictEqual(codes(d), [['schema.unknown-key', 'hostnameOverride']]);
    assert.match(d[0]!.message, /not in Kubernetes 1\.33: added in 1\.34/);
    assert.deepStrictEqual(check(pod, { kubernetesVersion: '1.34' }), []);
    const gone = check(POD('  workloadRef:\n    name: w\n'), { kubernetesVersion: '1.37' });
    assert.match(gone[0]!.message, /removed in Kubernetes 1\.36/);
    const dep = check(POD('  serviceAccount: builder\n'));
    assert.deepStrictEqual(codes(dep), [['schema.deprecated-field', 'serviceAccount']]);
    assert.strictEqual(dep[0]!.severity, 'warning');
    assert.match(dep[0]!.message, /`spec\.serviceAccount` is deprecated: Use serviceAccountName instead/);
  });

  it('KubeVirt versions: pool v1beta1 from 1.7 on, new fields named with their version', () => {
    const pool = `apiVersion: pool.kubevirt.io/v1beta1
kind: VirtualMachinePool
metadata:
  name: p
spec:
  replicas: 1
  selector:
    matchLabels:
      a: b
  virtualMachineTemplate:
    spec:
      runStrategy: Always
      template:
        spec:
          domain:
            devices: {}
`;
    const old = check(pool, { kubevirtVersion: '1.6' });
    assert.deepStrictEqual(codes(old), [['api.not-yet-served', 'pool.kubevirt.io/v1beta1']]);
    assert.match(old[0]!.message, /served from KubeVirt 1\.7 on.*use `pool\.kubevirt\.io\/v1alpha1`/);
    assert.deepStrictEqual(check(pool, { kubevirtVersion: '1.7' }), []);
    const vmi = `apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata:
  name: v
spec:
  domain:
    devices:
      panicDevices:
      - model: hyperv
`;
    const d = check(vmi, { kubevirtVersion: '1.5' });
    assert.deepStrictEqual(codes(d), [['schema.unknown-key', 'panicDevices']]);
    assert.match(d[0]!.message, /not in KubeVirt 1\.5: added in 1\.6/);
    assert.deepStrictEqual(check(vmi, { kubevirtVersion: '1.6' }), []);
  });

  it('a runtime schema set (a cluster) wins: its CRDs are recognised, its version chooses', () => {
    const svc = new ManifestService({ store: new SchemaStore(SCHEMA_DIR) });
    const widget =
      'apiVersion: widgets.example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: big\n  colour: red\n';
    assert.deepStrictEqual(check(widget, {}, svc), []);
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      spec: {
        group: 'widgets.example.com',
        names: { kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  apiVersion: { type: 'string' },
                  kind: { type: 'string' },
                  metadata: { type: 'object' },
                  spec: { type: 'object', properties: { size: { type: 'string', enum: ['small', 'big'] } } },
                },
              },
            },
          },
        ],
      },
    };
    svc.setRuntimeSchemas(
      runtimeSchemaSet({ label: 'cluster "dev"', kubernetesVersion: 'v1.31.4', crds: [crd] }),
    );
    assert.deepStrictEqual(codes(check(widget, {}, svc)), [['schema.unknown-key', 'colour']]);
    // The cluster's version (1.31) chooses over the setting (1.35): FlowSchema v1beta3 is served there.
    assert.deepStrictEqual(check(FLOW, {}, svc), []);
    svc.setRuntimeSchemas(undefined);
    assert.deepStrictEqual(check(widget, {}, svc), []);
    assert.deepStrictEqual(codes(check(FLOW, {}, svc)), [
      ['api.removed-version', 'flowcontrol.apiserver.k8s.io/v1beta3'],
    ]);
  });
});
