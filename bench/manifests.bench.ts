/**
 * The manifest engine against yaml-language-server (its getLanguageService, given the same
 * schemas per kind), side by side in one run:
 *   (a) a typical VirtualMachine manifest validated from scratch (p50)
 *   (b) a 300-document, ~11,000-line file validated from scratch
 *   (c) a one-line edit inside (b), then re-validation (ours: incremental; theirs: whole file)
 *   (d) completion inside (b) (p95)
 * Prints a table and ratios (anchor time / our time: > 1 means we are faster). No pass/fail.
 */
import * as fs from 'fs';
import * as path from 'path';
import { getLanguageService, type LanguageService } from 'yaml-language-server';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ManifestService } from '../src/manifests/service';
import { SchemaStore } from '../src/manifests/schemas';
import { detectKind } from '../src/manifests/kinds';
import { lineStarts, positionOf } from '../src/manifests/documents';
import { percentile } from './lib/stats';
import { at } from '../test/harness/pick';

function findRoot(from: string): string {
  let d = from;
  while (!fs.existsSync(path.join(d, 'schemas', 'kubernetes'))) {
    const up = path.dirname(d);
    if (up === d) throw new Error('schemas/ not found');
    d = up;
  }
  return d;
}
const ROOT = findRoot(__dirname);
const SCHEMAS = path.join(ROOT, 'schemas');

const VM = (i: number) => `apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: vm-${i}
  annotations:
    description: demo machine ${i}
    owner: team-${i % 3}
  labels:
    app: demo-${i % 7}
    kubevirt.io/vm: vm-${i}
spec:
  runStrategy: Always
  template:
    metadata:
      labels:
        kubevirt.io/vm: vm-${i}
    spec:
      domain:
        cpu:
          cores: 2
        devices:
          disks:
          - name: rootdisk
            disk:
              bus: virtio
            bootOrder: 1
          - name: cloudinit
            disk:
              bus: virtio
          interfaces:
          - name: default
            masquerade: {}
        resources:
          requests:
            memory: 1Gi
            cpu: 500m
          limits:
            memory: 2Gi
      networks:
      - name: default
        pod: {}
      terminationGracePeriodSeconds: 30
      evictionStrategy: LiveMigrate
      hostname: vm-${i}
      volumes:
      - name: rootdisk
        containerDisk:
          image: quay.io/containerdisks/fedora:40
      - name: cloudinit
        cloudInitNoCloud:
          userData: |
            #cloud-config
            password: fedora
            chpasswd: { expire: false }
            packages:
            - nginx
`;
const POD = (i: number) => `apiVersion: v1
kind: Pod
metadata:
  name: sandboxed-${i}
  labels:
    app: web-${i % 5}
spec:
  runtimeClassName: gvisor
  containers:
  - name: web
    image: docker.io/library/nginx:1.27
    ports:
    - containerPort: 80
      protocol: TCP
    readinessProbe:
      httpGet:
        path: /
        port: 80
    securityContext:
      runAsNonRoot: true
      runAsUser: 1000
    resources:
      requests:
        cpu: 100m
        memory: 64Mi
      limits:
        cpu: "1"
        memory: 256Mi
    env:
    - name: MODE
      value: production
    volumeMounts:
    - name: cache
      mountPath: /var/cache/nginx
  volumes:
  - name: cache
    emptyDir: {}
`;
const DV = (i: number) => `apiVersion: cdi.kubevirt.io/v1beta1
kind: DataVolume
metadata:
  name: dv-${i}
spec:
  source:
    http:
      url: https://example.com/images/disk-${i}.qcow2
  storage:
    accessModes:
    - ReadWriteOnce
    resources:
      requests:
        storage: 10Gi
`;
const DEPLOY = (i: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-${i}
spec:
  replicas: 3
  selector:
    matchLabels:
      app: api-${i}
  template:
    metadata:
      labels:
        app: api-${i}
    spec:
      runtimeClassName: kata-qemu
      containers:
      - name: api
        image: ghcr.io/example/api:v${i}
        resources:
          requests:
            memory: 128Mi
          limits:
            memory: 512Mi
`;
const RC = (i: number) => `apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: rc-${i}
handler: kata-qemu
overhead:
  podFixed:
    memory: 160Mi
    cpu: 250m
`;

function bigFile(): string {
  const gens = [VM, POD, VM, DV, DEPLOY, VM, RC, POD];
  const docs: string[] = [];
  for (let i = 0; i < 300; i++) docs.push(at(gens, i % gens.length)(i));
  return docs.map((d) => '---\n' + d).join('');
}

/** One JSON schema for yaml-language-server: the kind's schema chosen by apiVersion+kind (if/then per kind). */
function ylsSchema(store: SchemaStore, kinds: [string, string][]): object {
  const definitions: Record<string, unknown> = {};
  const allOf: object[] = [];
  kinds.forEach(([apiVersion, kind], i) => {
    const info = detectKind(apiVersion, kind)!;
    const s = store.standalone(info) as { definitions: Record<string, unknown> } & Record<string, unknown>;
    Object.assign(definitions, s.definitions);
    const { definitions: _d, ...root } = s;
    void _d;
    definitions[`__kind${i}`] = root;
    allOf.push({
      if: {
        properties: { apiVersion: { const: apiVersion }, kind: { const: kind } },
        required: ['apiVersion', 'kind'],
      },
      then: { $ref: `#/definitions/__kind${i}` },
    });
  });
  return { $schema: 'http://json-schema.org/draft-07/schema#', allOf, definitions };
}

async function makeYls(schema: object): Promise<LanguageService> {
  const ls = getLanguageService({
    schemaRequestService: async () => JSON.stringify(schema),
    workspaceContext: { resolveRelativePath: (p: string) => p },
  });
  ls.configure({
    validate: true,
    completion: true,
    hover: true,
    isKubernetes: false,
    schemas: [{ uri: 'file:///podvisor-bench-schema.json', fileMatch: ['*.yaml'], schema: schema }],
  });
  return ls;
}

async function time<T>(f: () => T | Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await f();
  return [performance.now() - t0, r];
}

async function main(): Promise<void> {
  const store = new SchemaStore(SCHEMAS);
  const kinds: [string, string][] = [
    ['kubevirt.io/v1', 'VirtualMachine'],
    ['v1', 'Pod'],
    ['cdi.kubevirt.io/v1beta1', 'DataVolume'],
    ['apps/v1', 'Deployment'],
    ['node.k8s.io/v1', 'RuntimeClass'],
  ];
  const yls = await makeYls(ylsSchema(store, kinds));
  const rows: [string, string, string, string][] = [];
  const fmt = (ms: number) => (ms < 1 ? ms.toFixed(3) : ms < 10 ? ms.toFixed(2) : ms.toFixed(1)) + ' ms';
  const ratio = (theirs: number, ours: number) => (theirs / ours).toFixed(1) + 'x';
  let version = 1;
  const ylsValidate = async (uri: string, text: string) =>
    yls.doValidation(TextDocument.create(uri, 'yaml', version++, text), false);

  // Both sides really apply the schema: a bad enum and a wrong type must be reported by each.
  {
    const bad = VM(0)
      .replace('runStrategy: Always', 'runStrategy: Sometimes')
      .replace('cores: 2', 'cores: two');
    const theirs = (await ylsValidate('file:///sanity.yaml', bad)).map((d) => d.message.split('\n')[0]);
    const ours = new ManifestService({ store }).open('sanity', bad).map((d) => d.code);
    console.log(
      `sanity (bad enum + bad type): ours ${ours.length} [${ours.join(', ')}], theirs ${theirs.length} [${theirs.join(' | ')}]`,
    );
    if (ours.length < 2 || theirs.length < 2)
      console.log('!!! one side does not apply the schema: the comparison below is not meaningful');
  }

  // (a) a typical VM manifest
  {
    const text = VM(1);
    const svc = new ManifestService({ store });
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < 30; i++) {
      svc.open('a', text);
      await ylsValidate('file:///a.yaml', text);
    } // warm-up (JIT, schema load)
    const oursDiags = svc.open('a', text).length;
    const theirsDiags = (await ylsValidate('file:///a.yaml', text)).length;
    for (let i = 0; i < 300; i++) ours.push((await time(() => svc.open('a', text)))[0]);
    for (let i = 0; i < 300; i++)
      theirs.push((await time(() => ylsValidate(`file:///a${i % 2}.yaml`, text)))[0]);
    rows.push([
      '(a) typical VM, validate (p50)',
      fmt(percentile(ours, 0.5)),
      fmt(percentile(theirs, 0.5)),
      ratio(percentile(theirs, 0.5), percentile(ours, 0.5)),
    ]);
    console.log(`(a) ${text.split('\n').length} lines; diagnostics ours=${oursDiags} theirs=${theirsDiags}`);
  }

  // (b) 300 documents from scratch
  const big = bigFile();
  if (process.env.PODVISOR_BENCH_DUMP) fs.writeFileSync(process.env.PODVISOR_BENCH_DUMP, big);
  const lines = big.split('\n').length;
  {
    const ours: number[] = [];
    const theirs: number[] = [];
    let oursDiags = 0;
    let theirsDiags = 0;
    await ylsValidate('file:///b.yaml', big);
    new ManifestService({ store }).open('b', big);
    for (let i = 0; i < 7; i++) {
      const svc = new ManifestService({ store });
      const [t, d] = await time(() => svc.open('b', big));
      ours.push(t);
      oursDiags = d.length;
      const [t2, d2] = await time(() => ylsValidate(`file:///b${i}.yaml`, big));
      theirs.push(t2);
      theirsDiags = d2.length;
    }
    rows.push([
      `(b) ${lines} lines / 300 docs, validate (p50)`,
      fmt(percentile(ours, 0.5)),
      fmt(percentile(theirs, 0.5)),
      ratio(percentile(theirs, 0.5), percentile(ours, 0.5)),
    ]);
    console.log(
      `(b) ${lines} lines, ${big.length} chars; diagnostics ours=${oursDiags} theirs=${theirsDiags}`,
    );
  }

  // (c) one-line edit inside (b), re-validate
  {
    const svc = new ManifestService({ store });
    svc.open('c', big);
    const target = big.indexOf('name: vm-150\n');
    const memAt = big.indexOf('memory: 1Gi', target);
    const variants = ['memory: 1Gi', 'memory: 3Gi', 'memory: 1Xi'] as const;
    const ours: number[] = [];
    const theirs: number[] = [];
    let reparsed = 0;
    let badDiag = '';
    // Each side in its own loop, so neither pays for the other's garbage collection.
    for (let i = 0; i < 41; i++) {
      const v = i % 2 ? variants[2] : variants[1];
      const text = big.slice(0, memAt) + v + big.slice(memAt + 11);
      const [t, d] = await time(() => svc.update('c', text));
      ours.push(t);
      reparsed = svc.lastStats.reparsed;
      if (v.includes('Xi')) badDiag = d.find((x) => x.code === 'schema.quantity')?.message ?? '(missing!)';
    }
    for (let i = 0; i < 15; i++) {
      const text = big.slice(0, memAt) + (i % 2 ? variants[2] : variants[1]) + big.slice(memAt + 11);
      theirs.push((await time(() => ylsValidate('file:///c.yaml', text)))[0]);
    }
    rows.push([
      '(c) one-line edit in (b), re-validate (p50)',
      fmt(percentile(ours, 0.5)),
      fmt(percentile(theirs, 0.5)),
      ratio(percentile(theirs, 0.5), percentile(ours, 0.5)),
    ]);
    console.log(`(c) documents re-parsed per edit: ${reparsed} of 300; the edit's diagnostic: ${badDiag}`);
  }

  // (d) completion inside (b)
  {
    const svc = new ManifestService({ store }) as ManifestService & {
      complete?: (uri: string, offset: number) => Promise<{ items: unknown[] }>;
    };
    const at = big.indexOf(
      '\n',
      big.indexOf('        cpu:\n          cores: 2', big.indexOf('name: vm-150\n')) + 5,
    );
    // A new, empty key line inside spec.template.spec.domain.cpu of document 150.
    const text = big.slice(0, at + 1) + '          \n' + big.slice(at + 1);
    const offset = at + 1 + 10;
    if (typeof svc.complete !== 'function') {
      rows.push(['(d) completion inside (b) (p95)', 'n/a', 'n/a', 'n/a']);
    } else {
      svc.open('d', text);
      const ours: number[] = [];
      const theirs: number[] = [];
      let oursItems = 0;
      let theirsItems = 0;
      const doc = TextDocument.create('file:///d.yaml', 'yaml', 1, text);
      const pos = positionOf(lineStarts(text), offset);
      for (let i = 0; i < 5; i++) {
        await svc.complete('d', offset);
      }
      await yls.doComplete(doc, pos, false);
      for (let i = 0; i < 100; i++) {
        const [t, r] = await time(() => svc.complete('d', offset));
        ours.push(t);
        oursItems = r.items.length;
      }
      for (let i = 0; i < 15; i++) {
        const [t, r] = await time(() => yls.doComplete(doc, pos, false));
        theirs.push(t);
        theirsItems = r.items.length;
      }
      rows.push([
        '(d) completion inside (b) (p95)',
        fmt(percentile(ours, 0.95)),
        fmt(percentile(theirs, 0.95)),
        ratio(percentile(theirs, 0.95), percentile(ours, 0.95)),
      ]);
      console.log(`(d) items ours=${oursItems} theirs=${theirsItems}`);
    }
  }

  const head: [string, string, string, string] = [
    'case',
    'podvisor',
    'yaml-language-server',
    'ratio (theirs/ours)',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log('\n' + line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log('\ntargets: (a),(b) ratio >= 1; (c) < 5 ms and ratio >= 20; (d) p95 < 10 ms');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
