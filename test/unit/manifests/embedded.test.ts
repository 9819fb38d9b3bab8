/**
 * Manifests embedded in block scalars (Tekton params, ConfigMap data) validated in place with
 * exact positions; a file can opt out; documentation and Tekton placeholders are not checked.
 */
import * as assert from 'assert';
import { ManifestService } from '../../../src/manifests/service';
import { SchemaStore } from '../../../src/manifests/schemas';
import type { ManifestDiagnostic } from '../../../src/manifests/diagnostics';
import { SCHEMA_DIR } from './corpusLib';

const svc = new ManifestService({ store: new SchemaStore(SCHEMA_DIR) });
let n = 0;
function check(text: string): (ManifestDiagnostic & { at: string })[] {
  return svc
    .open(`e${n++}`, text)
    .sort((a, b) => a.start - b.start)
    .map((d) => ({ ...d, at: text.slice(d.start, d.end) }));
}
const codes = (d: { code: string; at: string }[]) => d.map((x) => [x.code, x.at]);

const TEKTON = `apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: deploy
spec:
  params:
  - name: manifest
    default: |
      apiVersion: v1
      kind: Pod
      metadata:
        name: Bad_Name
      spec:
        containers:
        - name: c
          image: $(params.image)
          resources:
            limits:
              memory: 1 GB
  steps:
  - name: apply
    image: bitnami/kubectl
    script: kubectl apply -f -
`;

describe('embedded manifests and placeholders', () => {
  it('a manifest in a Tekton param is validated in place, at the exact text', () => {
    const d = check(TEKTON);
    assert.deepStrictEqual(codes(d), [
      ['metadata.invalid-name', 'Bad_Name'],
      ['schema.quantity', '1 GB'],
    ]);
    assert.ok(d.every((x) => x.embedded));
  });

  it('ConfigMap data holding a manifest (folded too), and the per-file opt-out', () => {
    const cm = `apiVersion: v1
kind: ConfigMap
metadata:
  name: templates
data:
  vm.yaml: |
    apiVersion: kubevirt.io/v1
    kind: VirtualMachine
    metadata:
      name: vm
    spec:
      runStrategy: Sometimes
      template: {}
`;
    assert.deepStrictEqual(codes(check(cm)), [['schema.enum', 'Sometimes']]);
    assert.deepStrictEqual(check('# podvisor: ignore-embedded\n' + cm), []);
    assert.deepStrictEqual(
      check(TEKTON.replace('apiVersion: tekton', '# podvisor: ignore-embedded\napiVersion: tekton')),
      [],
    );
  });

  it('documentation placeholders are not invalid names, images or quantities', () => {
    const doc = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: <name>
spec:
  selector:
    matchLabels:
      app: <app>
  template:
    metadata:
      labels:
        app: <app>
    spec:
      containers:
      - name: main
        image: registry.example.com/<your-image>:<tag>
        resources:
          requests:
            memory: <memory>
`;
    const d = check(doc);
    assert.deepStrictEqual(codes(d), [['template.placeholders', '<name>']]);
    assert.strictEqual(d[0]!.severity, 'info');
    // Without the placeholders the same mistakes are reported.
    const real = check(doc.replace('<name>', 'My_App').replace('<memory>', '1 GB'));
    assert.ok(real.some((x) => x.code === 'metadata.invalid-name'));
    assert.ok(real.some((x) => x.code === 'schema.quantity'));
  });
});
