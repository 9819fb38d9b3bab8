/** Each rule and message, with the exact range it reports (as the text under the range). */
import * as assert from 'assert';
import { ManifestService } from '../../../src/manifests/service';
import type { ManifestDiagnostic } from '../../../src/manifests/diagnostics';
import { at } from '../../harness/pick';
import { SCHEMA_DIR } from './corpusLib';

const svc = new ManifestService({ schemaDir: SCHEMA_DIR });
let n = 0;
function check(text: string): (ManifestDiagnostic & { at: string })[] {
  return svc.open(`t${n++}`, text).map((d) => ({ ...d, at: text.slice(d.start, d.end) }));
}
function only(text: string, code: string): (ManifestDiagnostic & { at: string })[] {
  return check(text).filter((d) => d.code === code);
}

const VM = (spec: string, extra = '') => `apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: vm
spec:
${extra}  runStrategy: Always
  template:
    spec:
${spec}`;
const GOOD_VMI_SPEC = `      domain:
        devices:
          disks:
          - name: root
            disk:
              bus: virtio
          interfaces:
          - name: default
            masquerade: {}
        resources:
          requests:
            memory: 1Gi
      networks:
      - name: default
        pod: {}
      volumes:
      - name: root
        containerDisk:
          image: quay.io/containerdisks/fedora:40
`;

describe('manifest rules', () => {
  describe('YAML syntax', () => {
    it('reports a syntax error at its place', () => {
      const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: "unclosed\n';
      const d = only(text, 'yaml.syntax');
      assert.ok(d.length >= 1);
      assert.ok(at(d, 0).start >= text.indexOf('"unclosed'), at(d, 0).at);
      assert.strictEqual(at(d, 0).severity, 'error');
    });
    it('names tab indentation', () => {
      const d = check('apiVersion: v1\nkind: Pod\nspec:\n\tcontainers: []\n');
      assert.ok(
        d.some((x) => x.code === 'yaml.tab-indentation'),
        JSON.stringify(d),
      );
    });
    it('handles CRLF files and reports at the right value', () => {
      const text = VM(GOOD_VMI_SPEC)
        .replace('runStrategy: Always', 'runStrategy: Sometimes')
        .replace(/\n/g, '\r\n');
      const d = only(text, 'schema.enum');
      assert.deepStrictEqual(
        d.map((x) => x.at),
        ['Sometimes'],
      );
    });
  });

  describe('schema', () => {
    it('a valid VM has no diagnostics', () => {
      assert.deepStrictEqual(check(VM(GOOD_VMI_SPEC)), []);
    });
    it('unknown key: at the key, with the path and a suggestion', () => {
      const d = only(
        VM(
          GOOD_VMI_SPEC.replace('      networks:', '      terminationgraceperiodseconds: 0\n      networks:'),
        ),
        'schema.unknown-key',
      );
      assert.strictEqual(d.length, 1);
      assert.strictEqual(at(d, 0).at, 'terminationgraceperiodseconds');
      assert.strictEqual(
        at(d, 0).message,
        'Unknown key `terminationgraceperiodseconds` in `spec.template.spec`: did you mean `terminationGracePeriodSeconds`?',
      );
      assert.deepStrictEqual(
        (at(d, 0).data as { suggestion: string }).suggestion,
        'terminationGracePeriodSeconds',
      );
    });
    it("enum: at the value, in the user's terms (runStrategy has no enum upstream: ours)", () => {
      const d = only(
        VM(GOOD_VMI_SPEC).replace('runStrategy: Always', 'runStrategy: Sometimes'),
        'schema.enum',
      );
      assert.strictEqual(d.length, 1);
      assert.strictEqual(at(d, 0).at, 'Sometimes');
      assert.strictEqual(
        at(d, 0).message,
        '`spec.runStrategy` must be one of Always, RerunOnFailure, Manual, Halted, Once, WaitAsReceiver',
      );
    });
    it('missing required field: at the parent key', () => {
      const d = only(
        'apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: x\nspec:\n  runStrategy: Always\n',
        'schema.required',
      );
      assert.strictEqual(d.length, 1);
      assert.strictEqual(at(d, 0).at, 'spec');
      assert.match(at(d, 0).message, /`spec` is missing required field `template`/);
    });
    it('type mismatch: at the value', () => {
      const d = only(
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: three\n  selector: {}\n  template: {}\n',
        'schema.type',
      );
      assert.deepStrictEqual(
        d.map((x) => [x.at, x.message]),
        [['three', '`spec.replicas` must be an integer, not the string "three"']],
      );
    });
    it('accepts int-or-string, quantities as numbers or strings, null values, status, and preserve-unknown-fields', () => {
      const text = `apiVersion: v1
kind: Pod
metadata:
  name: p
  labels:
spec:
  containers:
  - name: c
    image: nginx
    ports:
    - containerPort: 80
    livenessProbe:
      httpGet:
        port: http
    readinessProbe:
      httpGet:
        port: 8080
    resources:
      requests:
        cpu: 0.5
        memory: 128974848
      limits:
        cpu: "1"
        memory: 1Gi
status:
  phase: Running
  anything: [1, 2]
`;
      assert.deepStrictEqual(check(text), []);
      const vmi = `apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: vm
spec:
  runStrategy: Always
  template:
    metadata:
      labels: {a: b}
      annotations:
        x: z
    spec:
${GOOD_VMI_SPEC}`;
      assert.deepStrictEqual(check(vmi), []);
    });
    it('YAML 1.1 booleans: accepted where a boolean goes, an error where a string goes (kubectl reads them as booleans)', () => {
      const pod = (v: string) =>
        `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    enabled: ${v}\nspec:\n  hostNetwork: yes\n  containers:\n  - name: c\n    image: busybox\n`;
      const d = check(pod('yes'));
      assert.deepStrictEqual(
        d.map((x) => [x.code, x.at]),
        [['schema.yaml11-boolean', 'yes']],
      );
      assert.match(at(d, 0).message, /quote it: "yes"/);
      assert.deepStrictEqual(check(pod('"yes"')), []);
    });
    it('YAML anchors and merge keys (go-yaml supports them)', () => {
      const text =
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: &l\n    app: x\nspec:\n  nodeSelector: *l\n  containers:\n  - &c\n    name: c\n    image: busybox\n  - <<: *c\n    name: d\n';
      assert.deepStrictEqual(check(text), []);
    });
    it('malformed quantity: at the value, with a hint', () => {
      const d = only(VM(GOOD_VMI_SPEC.replace('memory: 1Gi', 'memory: 1GB')), 'schema.quantity');
      assert.strictEqual(at(d, 0).at, '1GB');
      assert.match(at(d, 0).message, /unit `GB` is not a Kubernetes suffix \(use `G`\)/);
    });
    it('elided values (`...`) get their own message', () => {
      const d = only(
        'apiVersion: cdi.kubevirt.io/v1beta1\nkind: DataVolume\nmetadata:\n  name: d\nspec:\n  source:\n    ...\n',
        'manifest.elided',
      );
      assert.deepStrictEqual(
        d.map((x) => x.at),
        ['...'],
      );
    });
    it('metadata.name must be an RFC 1123 name', () => {
      const d = check(VM(GOOD_VMI_SPEC).replace('name: vm\n', 'name: My_VM\n'));
      assert.deepStrictEqual(
        d.map((x) => [x.code, x.at, (x.data as { suggestion: string }).suggestion]),
        [['metadata.invalid-name', 'My_VM', 'my-vm']],
      );
      assert.deepStrictEqual(check(VM(GOOD_VMI_SPEC).replace('name: vm\n', 'name: vm-1.example\n')), []);
    });
    it('unknown kinds stay silent; other Kubernetes kinds are checked', () => {
      assert.deepStrictEqual(
        check('apiVersion: widgets.example.com/v1\nkind: Widget\nmetadata:\n  name: C\nbogus: 1\n'),
        [],
      );
      assert.deepStrictEqual(
        check('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nbogus: 1\n').map((d) => [d.code, d.at]),
        [['schema.unknown-key', 'bogus']],
      );
      assert.deepStrictEqual(check('apiVersion: example.com/v1\nkind: VirtualMachine\nspec: 3\n'), []);
    });
  });

  describe('API versions', () => {
    it('a removed apiVersion: one diagnostic with its replacement, no flood', () => {
      const d = check(
        VM(GOOD_VMI_SPEC + '      bogus: 1\n', '  running: true\n').replace(
          'kubevirt.io/v1',
          'kubevirt.io/v1alpha3',
        ),
      );
      assert.deepStrictEqual(
        d.map((x) => [x.code, x.at, x.severity]),
        [['api.removed-version', 'kubevirt.io/v1alpha3', 'error']],
      );
      assert.deepStrictEqual(at(d, 0).data, { from: 'kubevirt.io/v1alpha3', replacement: 'kubevirt.io/v1' });
      assert.strictEqual(
        at(d, 0).message,
        '`kubevirt.io/v1alpha3` is no longer served for VirtualMachine: use `kubevirt.io/v1`',
      );
      const rc = check(
        'apiVersion: node.k8s.io/v1beta1\nkind: RuntimeClass\nmetadata:\n  name: gvisor\nhandler: runsc\n',
      );
      assert.deepStrictEqual(
        rc.map((x) => [x.code, (x.data as { replacement: string }).replacement]),
        [['api.removed-version', 'node.k8s.io/v1']],
      );
      const dv = check('apiVersion: cdi.kubevirt.io/v1alpha1\nkind: DataVolume\nmetadata:\n  name: d\n');
      assert.deepStrictEqual(
        dv.map((x) => x.code),
        ['api.removed-version'],
      );
    });
    it('a deprecated apiVersion or kind warns', () => {
      const d = check(
        'apiVersion: pool.kubevirt.io/v1alpha1\nkind: VirtualMachinePool\nmetadata:\n  name: p\n',
      );
      assert.deepStrictEqual(
        d.filter((x) => x.code.startsWith('api.')).map((x) => [x.code, x.severity, x.at]),
        [['api.deprecated-version', 'warning', 'pool.kubevirt.io/v1alpha1']],
      );
      const p = check(
        'apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstancePreset\nmetadata:\n  name: p\nspec:\n  selector: {}\n',
      );
      assert.deepStrictEqual(
        p.map((x) => [x.code, x.at]),
        [['api.deprecated-kind', 'VirtualMachineInstancePreset']],
      );
    });
    it('checks each item of a v1 List', () => {
      const d = check(
        'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  bogus: 1\n- apiVersion: kubevirt.io/v1\n  kind: VirtualMachine\n  metadata:\n    name: a\n  spec:\n    runStrategy: Sometimes\n    template: {}\n- apiVersion: kubevirt.io/v1alpha3\n  kind: VirtualMachineInstance\n',
      );
      assert.deepStrictEqual(
        d.map((x) => [x.code, x.at]),
        [
          ['schema.unknown-key', 'bogus'],
          ['schema.enum', 'Sometimes'],
          ['api.removed-version', 'kubevirt.io/v1alpha3'],
        ],
      );
      assert.strictEqual(at(d, 0).message, 'Unknown key `bogus` in `items[0]`');
      assert.strictEqual(at(d, 1).message.split(' must')[0], '`items[1].spec.runStrategy`');
    });
    it('apiVersion without kind warns', () => {
      assert.deepStrictEqual(
        check('apiVersion: v1\nitems: []\n').map((x) => [x.code, x.at]),
        [['manifest.missing-kind', 'apiVersion']],
      );
    });
  });

  describe('KubeVirt', () => {
    it('`running` is deprecated; with `runStrategy` it is an error', () => {
      const dep = check(VM(GOOD_VMI_SPEC).replace('  runStrategy: Always\n', '  running: false\n'));
      assert.deepStrictEqual(
        dep.map((x) => [x.code, x.severity, x.at]),
        [['kubevirt.running-deprecated', 'warning', 'running']],
      );
      assert.strictEqual((at(dep, 0).data as { replacement: string }).replacement, 'Halted');
      assert.strictEqual(at(dep, 0).message, '`spec.running` is deprecated: use `spec.runStrategy: Halted`');
      const both = check(VM(GOOD_VMI_SPEC, '  running: true\n'));
      assert.deepStrictEqual(
        both.map((x) => [x.code, x.severity, x.at]),
        [['kubevirt.running-and-runStrategy', 'error', 'running']],
      );
    });
    it('disks name volumes and interfaces name networks, both ways', () => {
      const spec = GOOD_VMI_SPEC.replace('          - name: root\n', '          - name: rot\n').replace(
        '      - name: default\n        pod',
        '      - name: dflt\n        pod',
      );
      const d = check(VM(spec));
      const got = d.map((x) => [x.code, x.severity, x.at]).sort();
      assert.deepStrictEqual(got, [
        ['kubevirt.disk-without-volume', 'error', 'rot'],
        ['kubevirt.interface-without-network', 'error', 'default'],
        ['kubevirt.network-without-interface', 'warning', 'dflt'],
        ['kubevirt.volume-without-disk', 'warning', 'root'],
      ]);
      const disk = d.find((x) => x.code === 'kubevirt.disk-without-volume')!;
      assert.strictEqual(
        disk.message,
        'Disk `rot` has no volume of the same name in `spec.template.spec.volumes`',
      );
      assert.deepStrictEqual((disk.data as { name: string; volumesPath: unknown }).volumesPath, [
        'spec',
        'template',
        'spec',
        'volumes',
      ]);
    });
    it('an empty cdrom (hotplug tray) needs no volume', () => {
      const spec = GOOD_VMI_SPEC.replace(
        '          interfaces:',
        '          - name: cd\n            cdrom:\n              bus: sata\n          interfaces:',
      );
      assert.deepStrictEqual(check(VM(spec)), []);
    });
    it('names and boot orders are unique', () => {
      const spec = GOOD_VMI_SPEC.replace(
        '          - name: root\n            disk:\n              bus: virtio\n',
        '          - name: root\n            bootOrder: 1\n            disk:\n              bus: virtio\n          - name: root\n            bootOrder: 1\n            disk: {}\n',
      );
      const d = check(VM(spec));
      assert.deepStrictEqual(d.map((x) => [x.code, x.at]).sort(), [
        ['kubevirt.duplicate-boot-order', '1'],
        ['kubevirt.duplicate-name', 'root'],
      ]);
    });
    it('requests may not exceed limits', () => {
      const d = only(
        VM(
          GOOD_VMI_SPEC.replace(
            '            memory: 1Gi\n',
            '            memory: 2Gi\n          limits:\n            memory: 1536Mi\n',
          ),
        ),
        'resources.requests-exceed-limits',
      );
      assert.deepStrictEqual(
        d.map((x) => x.at),
        ['2Gi'],
      );
      assert.match(at(d, 0).message, /requests\.memory` \(2Gi\) is more than .*limits\.memory` \(1536Mi\)/);
    });
    it('containerDisk.image must be an image reference', () => {
      for (const [img, ok] of [
        ['quay.io/containerdisks/fedora:40', true],
        ['localhost:5000/a/b@sha256:' + 'a'.repeat(64), true],
        ['Quay.io/Fedora', false],
        ['fedora:4 0', false],
        ['registry:5000/x:', false],
      ] as const) {
        const d = only(
          VM(GOOD_VMI_SPEC.replace('quay.io/containerdisks/fedora:40', JSON.stringify(img))),
          'image.invalid-reference',
        );
        assert.strictEqual(d.length, ok ? 0 : 1, img);
      }
    });
    it('#cloud-config user data must be YAML, reported at the exact line inside the block', () => {
      const spec = GOOD_VMI_SPEC.replace(
        '      - name: root\n        containerDisk',
        `      - name: ci
        cloudInitNoCloud:
          userData: |
            #cloud-config
            packages:
              - nginx
            runcmd: [ "a", "b"
            users: []
      - name: root
        containerDisk`,
      ).replace('          interfaces:', '          - name: ci\n            disk: {}\n          interfaces:');
      const text = VM(spec);
      const d = only(text, 'cloudinit.invalid-yaml');
      assert.strictEqual(d.length, 1);
      const line = text.slice(text.lastIndexOf('\n', at(d, 0).start) + 1, text.indexOf('\n', at(d, 0).start));
      assert.ok(/runcmd|users/.test(line), `reported on "${line}"`);
      // A shell script is not cloud-config: left alone.
      assert.deepStrictEqual(only(text.replace('#cloud-config', '#!/bin/sh'), 'cloudinit.invalid-yaml'), []);
    });
  });

  describe('Pods and RuntimeClasses', () => {
    const POD = (rc: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  runtimeClassName: ${rc}\n  containers:\n  - name: c\n    image: busybox\n`;
    it('runtimeClassName must name a RuntimeClass in the workspace or a known handler', () => {
      assert.deepStrictEqual(check(POD('kata-qemu')), []);
      const d = check(POD('my-sandbox'));
      assert.deepStrictEqual(
        d.map((x) => [x.code, x.severity, x.at]),
        [['runtime.unknown-class', 'warning', 'my-sandbox']],
      );
      assert.deepStrictEqual(
        check(
          POD('my-sandbox') +
            '---\napiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: my-sandbox\nhandler: runsc\n',
        ),
        [],
      );
      const s2 = new ManifestService({ store: svc.store, options: { knownRuntimeHandlers: ['my-sandbox'] } });
      assert.deepStrictEqual(s2.open('x', POD('my-sandbox')), []);
      const s3 = new ManifestService({
        store: svc.store,
        facts: { runtimeClassNames: () => ['my-sandbox'] },
      });
      assert.deepStrictEqual(s3.open('x', POD('my-sandbox')), []);
    });
    it('container resources: well-formed quantities, requests within limits; image references', () => {
      const d = check(
        'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: s\nspec:\n  serviceName: s\n  selector: {}\n  template:\n    spec:\n      containers:\n      - name: c\n        image: Busybox:latest\n        resources:\n          requests:\n            cpu: "2"\n            memory: 1 Gi\n          limits:\n            cpu: 1500m\n',
      );
      assert.deepStrictEqual(d.map((x) => [x.code, x.at]).sort(), [
        ['image.invalid-reference', 'Busybox:latest'],
        ['resources.requests-exceed-limits', '"2"'],
        ['schema.quantity', '1 Gi'],
      ]);
    });
    it('container names are unique across containers and initContainers', () => {
      const d = check(
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  initContainers:\n  - name: c\n    image: busybox\n  containers:\n  - name: c\n    image: busybox\n',
      );
      assert.deepStrictEqual(
        d.map((x) => [x.code, x.at]),
        [['pod.duplicate-container-name', 'c']],
      );
    });
    it('checks pod templates of workloads too', () => {
      const d = check(
        'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  schedule: "* * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          runtimeClassName: nope\n          containers:\n          - name: c\n            image: busybox\n',
      );
      assert.deepStrictEqual(
        d.map((x) => [x.code, x.at]),
        [['runtime.unknown-class', 'nope']],
      );
    });
    it('Virtlet VM pods: exactly one container with a virtlet.cloud/ image', () => {
      const head =
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: vm\n  annotations:\n    kubernetes.io/target-runtime: virtlet.cloud\nspec:\n  containers:\n';
      assert.deepStrictEqual(check(head + '  - name: vm\n    image: virtlet.cloud/cirros\n'), []);
      const two = check(
        head + '  - name: vm\n    image: virtlet.cloud/cirros\n  - name: side\n    image: virtlet.cloud/x\n',
      );
      assert.deepStrictEqual(
        two.map((x) => x.code),
        ['virtlet.container-count'],
      );
      const prefix = check(head + '  - name: vm\n    image: download.cirros-cloud.net/cirros.img\n');
      assert.deepStrictEqual(
        prefix.map((x) => [x.code, x.at]),
        [['virtlet.image-prefix', 'download.cirros-cloud.net/cirros.img']],
      );
      assert.strictEqual(
        (at(prefix, 0).data as { replacement: string }).replacement,
        'virtlet.cloud/download.cirros-cloud.net/cirros.img',
      );
    });
  });

  describe('templates', () => {
    it('placeholders: reported once per file, as info, instead of schema errors', () => {
      const doc =
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${NAME}\nspec:\n  replicas: ${REPLICAS}\n  selector: {}\n  template:\n    spec:\n      runtimeClassName: $RUNTIMECLASS\n      containers:\n      - name: c\n        image: ${IMAGE}\n';
      const d = check(doc + '---\n' + doc);
      assert.deepStrictEqual(
        d.map((x) => [x.code, x.severity, x.at]),
        [['template.placeholders', 'info', '${NAME}']],
      );
      assert.match(at(d, 0).message, /checks limited/);
    });
    it('Helm control structures: no syntax noise', () => {
      const d = check(
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n{{- if .Values.gvisor }}\n  runtimeClassName: gvisor\n{{- end }}\n  containers: []\n',
      );
      assert.deepStrictEqual(
        d.map((x) => x.code),
        ['template.placeholders'],
      );
    });
    it('shell variables in scripts are not placeholders', () => {
      const d = check(
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: busybox\n    command: ["sh", "-c", "echo $HOME ${PATH}"]\n    args:\n    - |\n      echo ${HOME}\n',
      );
      assert.deepStrictEqual(d, []);
    });
  });
});
