#!/usr/bin/env node
// Generates the bundled manifest schemas under schemas/ from the unmodified upstream copies in
// ../shared/schemas/ (or the directory given as the first argument):
//   schemas/kubernetes-<ver>.json  Pod, apps/v1 and batch/v1 workloads, node.k8s.io/v1 RuntimeClass
//   schemas/kubevirt.json           the KubeVirt / CDI CRDs we serve (one per group/version/kind)
//   schemas/PROVENANCE.md           where each part came from, with sha256 of the inputs
// Each output is { version, kinds: { "<apiVersion>/<Kind>": schema }, definitions } in a JSON
// Schema subset (type, properties, required, items, additionalProperties, enum, $ref, bounds,
// description, x-kubernetes-preserve-unknown-fields, format quantity|int-or-string). Big shared
// subtrees (the VMI spec appears in VM, VMI, ReplicaSet, Pool, snapshots…) are hash-consed into
// `definitions` so the bundle stays small. Run: node scripts/gen-schemas.mjs [sharedSchemasDir]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
// Usage: node scripts/gen-schemas.mjs [SHARED_SCHEMAS_DIR] [--out DIR]  (a test regenerates into a temp dir and compares)
const argv = process.argv.slice(2);
const outIdx = argv.indexOf('--out');
const out = outIdx >= 0 ? argv.splice(outIdx, 2)[1] : join(root, 'schemas');
const src = argv[0] ?? join(root, '..', 'shared', 'schemas');
mkdirSync(out, { recursive: true });
const provenance = [];
const sha = (buf) => createHash('sha256').update(buf).digest('hex');
function readJson(path) {
  const buf = readFileSync(path);
  provenance.push({ path: path.slice(src.length + 1), bytes: buf.length, sha256: sha(buf) });
  return JSON.parse(buf.toString('utf8'));
}

// Enums the upstream schemas leave open although the API accepts only these values
// (KubeVirt: api/core/v1 types.go constants; Kubernetes: core/v1 types.go).
const KNOWN_ENUMS = {
  runStrategy: ['Always', 'RerunOnFailure', 'Manual', 'Halted', 'Once', 'WaitAsReceiver'],
  evictionStrategy: ['None', 'LiveMigrate', 'LiveMigrateIfPossible', 'External'],
  // Kubernetes' OpenAPI v3 states these only in prose ("One of Always, Never, IfNotPresent").
  imagePullPolicy: ['Always', 'IfNotPresent', 'Never'],
  restartPolicy: ['Always', 'OnFailure', 'Never'],
};
// Status is written by the cluster: `kubectl get -o yaml` output carries it, appliers ignore it.
const STATUS = {
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  description: 'Written by the cluster; ignored when the manifest is applied.',
};
const QUANTITY_PATTERN_HINT = '[KMGTPE]i';
const KEEP = [
  'type',
  'description',
  'enum',
  'required',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
];

/** Normalizes one schema node (recursively) into the subset the engine understands. */
function norm(s, ctx, propName) {
  if (!s || typeof s !== 'object') return {};
  const r = {};
  // Kubernetes' OpenAPI v3 wraps refs as allOf:[{$ref}] to attach a description.
  if (Array.isArray(s.allOf) && s.allOf.length === 1 && s.allOf[0].$ref) {
    r.$ref = ctx.ref(s.allOf[0].$ref);
  } else if (s.$ref) {
    r.$ref = ctx.ref(s.$ref);
  }
  for (const k of KEEP) if (s[k] !== undefined) r[k] = s[k];
  if (typeof r.description === 'string' && r.description.length > 1200)
    r.description = r.description.slice(0, 1200).replace(/\s+\S*$/, '') + ' …';
  const alts = s.anyOf ?? s.oneOf;
  if (
    ctx.isQuantity ||
    s['x-kubernetes-int-or-string'] ||
    s.format === 'int-or-string' ||
    (Array.isArray(alts) && alts.every((a) => a.type) && alts.some((a) => a.type === 'string'))
  ) {
    const quantity =
      (typeof s.pattern === 'string' && s.pattern.includes(QUANTITY_PATTERN_HINT)) || ctx.isQuantity;
    r.type = quantity ? ['integer', 'number', 'string'] : ['integer', 'string'];
    r.format = quantity ? 'quantity' : 'int-or-string';
  }
  if (s.properties) {
    r.properties = {};
    for (const [k, v] of Object.entries(s.properties))
      r.properties[k] = norm(v, { ...ctx, isQuantity: false }, k);
    if (r.type === undefined) r.type = 'object';
  }
  if (s.items) r.items = norm(s.items, { ...ctx, isQuantity: false });
  if (s.additionalProperties !== undefined) {
    r.additionalProperties =
      typeof s.additionalProperties === 'object'
        ? norm(s.additionalProperties, { ...ctx, isQuantity: false })
        : s.additionalProperties;
  }
  if (propName && KNOWN_ENUMS[propName] && (r.type === 'string' || r.type === undefined) && !r.enum)
    r.enum = KNOWN_ENUMS[propName];
  if (Array.isArray(r.required) && r.required.length === 0) delete r.required;
  return r;
}

/** Replaces big repeated subtrees by $refs into `defs` (content-addressed). */
function hashCons(node, defs, counts, phase) {
  if (!node || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map((x) => hashCons(x, defs, counts, phase));
  const o = {};
  for (const [k, v] of Object.entries(node))
    o[k] = k === 'enum' || k === 'required' ? v : hashCons(v, defs, counts, phase);
  if (!o.properties && !o.items && !o.additionalProperties) return o;
  const text = JSON.stringify(o);
  if (text.length < 400) return o;
  const h = 'h' + sha(text).slice(0, 12);
  if (phase === 'count') {
    counts.set(h, (counts.get(h) ?? 0) + 1);
    return o;
  }
  if ((counts.get(h) ?? 0) < 2) return o;
  defs[h] = o;
  return { $ref: `#/definitions/${h}` };
}

function write(name, bundle) {
  const text = JSON.stringify(bundle);
  if (text.length > 2_000_000) throw new Error(`${name} is ${text.length} bytes (limit 2 MB)`);
  writeFileSync(join(out, name), text);
  console.log(
    `schemas/${name}: ${(text.length / 1024).toFixed(0)} KiB, ${Object.keys(bundle.kinds).length} kinds, ${Object.keys(bundle.definitions).length} definitions`,
  );
}

// ---- Kubernetes (OpenAPI v3, $ref graph) ----
const K8S = {
  'api__v1_openapi.json': [['v1', 'Pod', 'io.k8s.api.core.v1.Pod']],
  'apis__apps__v1_openapi.json': ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].map((k) => [
    'apps/v1',
    k,
    `io.k8s.api.apps.v1.${k}`,
  ]),
  'apis__batch__v1_openapi.json': [
    ['batch/v1', 'Job', 'io.k8s.api.batch.v1.Job'],
    ['batch/v1', 'CronJob', 'io.k8s.api.batch.v1.CronJob'],
  ],
  'apis__node.k8s.io__v1_openapi.json': [
    ['node.k8s.io/v1', 'RuntimeClass', 'io.k8s.api.node.v1.RuntimeClass'],
  ],
};
let objectMeta;
for (const dir of readdirSync(src)
  .filter((d) => /^kubernetes-\d+\.\d+$/.test(d))
  .sort()) {
  const ver = dir.slice('kubernetes-'.length);
  const all = {};
  for (const file of Object.keys(K8S)) {
    const p = join(src, dir, file);
    if (!existsSync(p)) {
      console.warn(`missing ${p}`);
      continue;
    }
    Object.assign(all, readJson(p).components.schemas);
  }
  const short = (n) => n.replace(/^io\.k8s\.(api\.|apimachinery\.pkg\.apis\.|apimachinery\.pkg\.)?/, '');
  const definitions = {};
  const queue = [];
  const ctx = {
    ref: (ref) => {
      const n = ref.replace('#/components/schemas/', '');
      queue.push(n);
      return `#/definitions/${short(n)}`;
    },
  };
  const kinds = {};
  for (const [file, list] of Object.entries(K8S)) {
    for (const [apiVersion, kind, def] of list) {
      if (!all[def]) continue;
      kinds[`${apiVersion}/${kind}`] = { $ref: ctx.ref(`#/components/schemas/${def}`) };
      void file;
    }
  }
  while (queue.length) {
    const n = queue.pop();
    const s = short(n);
    if (definitions[s] || !all[n]) continue;
    definitions[s] = norm(all[n], { ...ctx, isQuantity: n.endsWith('resource.Quantity') });
  }
  for (const d of Object.values(definitions))
    if (d.properties?.status && d.properties.apiVersion) d.properties.status = STATUS;
  objectMeta ??= { defs: definitions };
  write(`kubernetes-${ver}.json`, { version: ver, source: dir, kinds, definitions });
}

// ---- KubeVirt CRDs (inline openAPIV3Schema per group/kind_version) ----
const SERVE = {
  'kubevirt.io': [
    'virtualmachine_v1',
    'virtualmachineinstance_v1',
    'virtualmachineinstancereplicaset_v1',
    'virtualmachineinstancemigration_v1',
    'virtualmachineinstancepreset_v1',
  ],
  'pool.kubevirt.io': ['virtualmachinepool_v1alpha1'],
  'cdi.kubevirt.io': ['datavolume_v1beta1', 'datasource_v1beta1', 'dataimportcron_v1beta1'],
  'instancetype.kubevirt.io': [
    'virtualmachineinstancetype_v1beta1',
    'virtualmachineclusterinstancetype_v1beta1',
    'virtualmachinepreference_v1beta1',
    'virtualmachineclusterpreference_v1beta1',
    'virtualmachineinstancetype_v1alpha2',
    'virtualmachineclusterinstancetype_v1alpha2',
    'virtualmachinepreference_v1alpha2',
    'virtualmachineclusterpreference_v1alpha2',
  ],
  'snapshot.kubevirt.io': [
    'virtualmachinesnapshot_v1beta1',
    'virtualmachinerestore_v1beta1',
    'virtualmachinesnapshot_v1alpha1',
    'virtualmachinerestore_v1alpha1',
  ],
  'export.kubevirt.io': ['virtualmachineexport_v1beta1', 'virtualmachineexport_v1alpha1'],
  'clone.kubevirt.io': ['virtualmachineclone_v1beta1', 'virtualmachineclone_v1alpha1'],
  'migrations.kubevirt.io': ['migrationpolicy_v1alpha1'],
};
const SWAGGER_KINDS = {
  'kubevirt.io/v1/VirtualMachine': 'v1.VirtualMachine',
  'kubevirt.io/v1/VirtualMachineInstance': 'v1.VirtualMachineInstance',
  'kubevirt.io/v1/VirtualMachineInstanceReplicaSet': 'v1.VirtualMachineInstanceReplicaSet',
  'kubevirt.io/v1/VirtualMachineInstanceMigration': 'v1.VirtualMachineInstanceMigration',
  'kubevirt.io/v1/VirtualMachineInstancePreset': 'v1.VirtualMachineInstancePreset',
  'pool.kubevirt.io/v1beta1/VirtualMachinePool': 'v1beta1.VirtualMachinePool',
  'instancetype.kubevirt.io/v1beta1/VirtualMachineInstancetype': 'v1beta1.VirtualMachineInstancetype',
  'instancetype.kubevirt.io/v1beta1/VirtualMachineClusterInstancetype':
    'v1beta1.VirtualMachineClusterInstancetype',
  'instancetype.kubevirt.io/v1beta1/VirtualMachinePreference': 'v1beta1.VirtualMachinePreference',
  'instancetype.kubevirt.io/v1beta1/VirtualMachineClusterPreference':
    'v1beta1.VirtualMachineClusterPreference',
  'snapshot.kubevirt.io/v1beta1/VirtualMachineSnapshot': 'v1beta1.VirtualMachineSnapshot',
  'snapshot.kubevirt.io/v1beta1/VirtualMachineRestore': 'v1beta1.VirtualMachineRestore',
  'clone.kubevirt.io/v1beta1/VirtualMachineClone': 'v1beta1.VirtualMachineClone',
  'migrations.kubevirt.io/v1alpha1/MigrationPolicy': 'v1alpha1.MigrationPolicy',
  'export.kubevirt.io/v1/VirtualMachineExport': 'v1.VirtualMachineExport',
  'backup.kubevirt.io/v1alpha1/VirtualMachineBackup': 'v1alpha1.VirtualMachineBackup',
};
const KIND_NAMES = {
  virtualmachine: 'VirtualMachine',
  virtualmachineinstance: 'VirtualMachineInstance',
  virtualmachineinstancereplicaset: 'VirtualMachineInstanceReplicaSet',
  virtualmachineinstancemigration: 'VirtualMachineInstanceMigration',
  virtualmachineinstancepreset: 'VirtualMachineInstancePreset',
  virtualmachinepool: 'VirtualMachinePool',
  datavolume: 'DataVolume',
  datasource: 'DataSource',
  dataimportcron: 'DataImportCron',
  virtualmachineinstancetype: 'VirtualMachineInstancetype',
  virtualmachineclusterinstancetype: 'VirtualMachineClusterInstancetype',
  virtualmachinepreference: 'VirtualMachinePreference',
  virtualmachineclusterpreference: 'VirtualMachineClusterPreference',
  virtualmachinesnapshot: 'VirtualMachineSnapshot',
  virtualmachinerestore: 'VirtualMachineRestore',
  virtualmachineexport: 'VirtualMachineExport',
  virtualmachineclone: 'VirtualMachineClone',
  migrationpolicy: 'MigrationPolicy',
};
{
  const kinds = {};
  const definitions = {};
  const ctx = { ref: (r) => r };
  // CRDs type metadata as a bare object: give users ObjectMeta's keys (typos in `labels` are common).
  const meta = objectMeta?.defs['apimachinery.pkg.apis.meta.v1.ObjectMeta'];
  const metaClosure = (name, seen = new Set()) => {
    if (seen.has(name) || !objectMeta?.defs[name]) return seen;
    seen.add(name);
    JSON.stringify(objectMeta.defs[name]).replace(/#\/definitions\/([^"]+)/g, (_, n) => {
      metaClosure(n, seen);
      return '';
    });
    return seen;
  };
  if (meta)
    for (const n of metaClosure('apimachinery.pkg.apis.meta.v1.ObjectMeta'))
      definitions[n] = objectMeta.defs[n];
  const fixMeta = (node) => {
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node.properties ?? {})) {
      if (k === 'metadata' && meta && v.type === 'object' && !v.properties)
        node.properties[k] = {
          $ref: '#/definitions/apimachinery.pkg.apis.meta.v1.ObjectMeta',
          description: v.description,
        };
      else fixMeta(v);
    }
    if (node.items) fixMeta(node.items);
    if (typeof node.additionalProperties === 'object') fixMeta(node.additionalProperties);
  };
  for (const [group, files] of Object.entries(SERVE)) {
    for (const f of files) {
      const p = join(src, 'kubevirt-crds', group, `${f}.json`);
      if (!existsSync(p)) {
        console.warn(`missing ${p}`);
        continue;
      }
      const [base, version] = f.split('_');
      const s = norm(readJson(p), ctx);
      if (s.properties?.status) s.properties.status = STATUS;
      fixMeta(s);
      kinds[`${group}/${version}/${KIND_NAMES[base]}`] = s;
    }
  }
  // KubeVirt's own OpenAPI spec is newer than the CRD catalog (new fields, pool v1beta1): where it
  // defines a kind, it wins.
  const swaggerPath = join(src, 'kubevirt-openapi', 'swagger.json');
  if (existsSync(swaggerPath)) {
    const sw = readJson(swaggerPath).definitions;
    const queue = [];
    const swctx = {
      ref: (r) => {
        const n = r.replace('#/definitions/', '');
        queue.push(n);
        return `#/definitions/kv.${n}`;
      },
    };
    for (const [key, def] of Object.entries(SWAGGER_KINDS)) {
      if (!sw[def]) continue;
      kinds[key] = { $ref: swctx.ref(`#/definitions/${def}`) };
    }
    while (queue.length) {
      const n = queue.pop();
      if (definitions[`kv.${n}`] || !sw[n]) continue;
      const d = norm(sw[n], { ...swctx, isQuantity: n.endsWith('resource.Quantity') });
      if (d.properties?.status && d.properties.apiVersion) d.properties.status = STATUS;
      definitions[`kv.${n}`] = d;
    }
  }
  const counts = new Map();
  hashCons(kinds, {}, counts, 'count');
  const consed = hashCons(kinds, definitions, counts, 'replace');
  write('kubevirt.json', {
    version: 'kubevirt-v1.6.2+cdi-v1.63.1',
    source: 'kubevirt-crds',
    kinds: consed,
    definitions,
  });
}

const rows = provenance.map((p) => `| \`${p.path}\` | ${p.bytes} | \`${p.sha256}\` |`).join('\n');
const upstream = existsSync(join(src, 'SOURCES.md')) ? readFileSync(join(src, 'SOURCES.md'), 'utf8') : '';
writeFileSync(
  join(out, 'PROVENANCE.md'),
  `# Bundled manifest schemas — provenance

Generated by \`scripts/gen-schemas.mjs\` (do not edit by hand) from unmodified upstream copies.
The generator keeps only the kinds Podvisor serves, keeps descriptions (trimmed to 1200
characters) for hover, drops \`status\`, OpenAPI extensions the engine does not use, and
formats; turns int-or-string/quantity unions into \`type: [integer, string]\` with
\`format: int-or-string|quantity\`; adds enums the API enforces in code but the schemas leave
open (${Object.keys(KNOWN_ENUMS)
    .map((k) => `\`${k}\``)
    .join(', ')}); types CRD \`metadata\` as
Kubernetes ObjectMeta; and hash-conses repeated subtrees into \`definitions\`.

## Inputs (sha256)
| file | bytes | sha256 |
| --- | --- | --- |
${rows}

## Upstream sources (copied from the input directory's SOURCES.md)

${upstream.replace(/^# .*\n/, '')}
`,
);
console.log('schemas/PROVENANCE.md written');
