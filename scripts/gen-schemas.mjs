#!/usr/bin/env node
// Generates the bundled manifest schemas under schemas/ from their published sources:
//   Kubernetes 1.31–1.37: api/openapi-spec/v3/*.json of the Go module k8s.io/kubernetes@<release>
//   KubeVirt 1.4–1.7:     api/openapi-spec/swagger.json of the Go module kubevirt.io/kubevirt@<release>
//   CDI and older CRD versions the swagger does not describe: the CRD catalog in ../shared/schemas
// Output (one family per folder, each version an index into content-addressed pools):
//   schemas/<family>/<minor>.json     { family, version, release, kinds: {key: defName}, defs: {pool: {defName: hash}} }
//   schemas/<family>/defs-<pool>.json { hash: definition } — every distinct definition of every version once
//   schemas/SOURCES.md                module, version, go.sum hash, file, bytes, sha256 of every input
// A definition that did not change between releases is stored once, so seven Kubernetes versions
// cost little more than one; pools are split by API group so validating a Pod loads `core` and
// `apimachinery`, not `resource` or `flowcontrol`. The normalizer is src/manifests/schemaNormalize.ts
// (the same code reads a connected cluster's OpenAPI at run time), bundled here with esbuild.
// Usage: node scripts/gen-schemas.mjs [--out DIR] [--shared DIR] [--offline]
//   --offline: use only the Go module cache (exit 3 when a source is missing; the unit test uses it)
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const out = opt('--out', join(root, 'schemas'));
// ../shared beside the clone (main checkout) or beside the worktrees' folder (/work/wt/NAME).
const shared = opt(
  '--shared',
  [join(root, '..', 'shared', 'schemas'), join(root, '..', '..', 'shared', 'schemas')].find((d) =>
    existsSync(d),
  ) ?? join(root, '..', 'shared', 'schemas'),
);
const offline = argv.includes('--offline');

export const K8S_RELEASES = ['v1.31.14', 'v1.32.13', 'v1.33.13', 'v1.34.4', 'v1.35.4', 'v1.36.3', 'v1.37.2'];
// The newest patch release the module proxy serves of each minor (v1.6.2 is not served there).
export const KUBEVIRT_RELEASES = ['v1.4.1', 'v1.5.2', 'v1.6.1', 'v1.7.0'];

class MissingSource extends Error {}

const sha = (buf) => createHash('sha256').update(buf).digest('hex');
const sources = [];

function goModCache() {
  const r = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout.trim()) throw new MissingSource('Go is not installed (go env GOMODCACHE)');
  return r.stdout.trim();
}

/** The extracted module (module cache), downloaded unless --offline. */
function moduleDir(mod, version) {
  const cache = goModCache();
  const dir = join(cache, `${mod}@${version}`);
  const ziphash = join(cache, 'cache', 'download', mod, '@v', `${version}.ziphash`);
  if (!existsSync(dir) || !existsSync(ziphash)) {
    if (offline) throw new MissingSource(`${mod}@${version} is not in the Go module cache (${dir})`);
    const r = spawnSync('go', ['mod', 'download', '-json', `${mod}@${version}`], {
      encoding: 'utf8',
      env: { ...process.env, GOFLAGS: '-mod=mod' },
    });
    if (r.status !== 0) throw new Error(`go mod download ${mod}@${version}: ${r.stdout}${r.stderr}`);
  }
  return { dir, sum: readFileSync(ziphash, 'utf8').trim() };
}

function readSource(origin, base, rel) {
  const buf = readFileSync(join(base, rel));
  sources.push({ origin, file: rel, bytes: buf.length, sha256: sha(buf) });
  return JSON.parse(buf.toString('utf8'));
}

/** The engine's normalizer (TypeScript), bundled for this run. */
async function loadNormalizer() {
  const r = await esbuild.build({
    entryPoints: [join(root, 'src/manifests/schemaNormalize.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    logLevel: 'error',
  });
  return import('data:text/javascript;base64,' + Buffer.from(r.outputFiles[0].text).toString('base64'));
}

const hash12 = (text) => sha(text).slice(0, 12);

/** Adds a version's definitions to the family's pools; returns the version's {pool: {name: hash}}. */
function pooled(definitions, pools, poolOf) {
  const idx = {};
  for (const name of Object.keys(definitions).sort()) {
    const text = JSON.stringify(definitions[name]);
    const h = hash12(text);
    const pool = poolOf(name);
    (pools[pool] ??= {})[h] = definitions[name];
    (idx[pool] ??= {})[name] = h;
  }
  return idx;
}

function writeJson(rel, value) {
  const text = JSON.stringify(value);
  mkdirSync(join(out, rel, '..'), { recursive: true });
  writeFileSync(join(out, rel), text);
  return text.length;
}

function writeFamily(family, versions, pools) {
  rmSync(join(out, family), { recursive: true, force: true });
  let total = 0;
  for (const v of versions) total += writeJson(`${family}/${v.version}.json`, v);
  for (const [pool, defs] of Object.entries(pools).sort()) {
    const sorted = Object.fromEntries(Object.entries(defs).sort(([a], [b]) => (a < b ? -1 : 1)));
    const n = writeJson(`${family}/defs-${pool}.json`, sorted);
    if (n > 1_500_000) throw new Error(`${family}/defs-${pool}.json is ${n} bytes: split the pool`);
    total += n;
  }
  const defs = Object.values(pools).reduce((a, p) => a + Object.keys(p).length, 0);
  console.log(
    `schemas/${family}: ${versions.length} versions, ${Object.keys(pools).length} pools, ${defs} distinct definitions, ${(total / 1024).toFixed(0)} KiB`,
  );
}

// ---- Kubernetes ----
/** Pool of a Kubernetes definition: its API group (`core`, `apps`, `apimachinery`, …). */
const k8sPool = (name) => name.split('.')[0].replace(/[^a-z0-9-]/g, '') || 'misc';

function kubernetes(N) {
  const versions = [];
  const pools = {};
  let newestMeta;
  for (const release of K8S_RELEASES) {
    const mod = 'k8s.io/kubernetes';
    const { dir, sum } = moduleDir(mod, release);
    const specDir = join(dir, 'api', 'openapi-spec', 'v3');
    const origin = `${mod}@${release} (${sum})`;
    const docs = readdirSync(specDir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => readSource(origin, dir, join('api', 'openapi-spec', 'v3', f)));
    const { kinds, definitions } = N.fromOpenApiV3(docs);
    const minor = release.replace(/^v(\d+\.\d+)\..*$/, '$1');
    versions.push({
      family: 'kubernetes',
      version: minor,
      release,
      kinds: Object.fromEntries(
        Object.entries(kinds)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, s]) => [k, s.$ref.replace('#/definitions/', '')]),
      ),
      defs: pooled(definitions, pools, k8sPool),
    });
    newestMeta = definitions;
  }
  writeFamily('kubernetes', versions, pools);
  return newestMeta;
}

// ---- KubeVirt ----
/** Kinds KubeVirt's swagger describes, by the key the engine uses; absent ones are skipped per release. */
const SWAGGER_KINDS = {
  'kubevirt.io/v1/VirtualMachine': 'v1.VirtualMachine',
  'kubevirt.io/v1/VirtualMachineInstance': 'v1.VirtualMachineInstance',
  'kubevirt.io/v1/VirtualMachineInstanceReplicaSet': 'v1.VirtualMachineInstanceReplicaSet',
  'kubevirt.io/v1/VirtualMachineInstanceMigration': 'v1.VirtualMachineInstanceMigration',
  'kubevirt.io/v1/VirtualMachineInstancePreset': 'v1.VirtualMachineInstancePreset',
  'pool.kubevirt.io/v1alpha1/VirtualMachinePool': 'v1alpha1.VirtualMachinePool',
  'pool.kubevirt.io/v1beta1/VirtualMachinePool': 'v1beta1.VirtualMachinePool',
  'instancetype.kubevirt.io/v1beta1/VirtualMachineInstancetype': 'v1beta1.VirtualMachineInstancetype',
  'instancetype.kubevirt.io/v1beta1/VirtualMachineClusterInstancetype':
    'v1beta1.VirtualMachineClusterInstancetype',
  'instancetype.kubevirt.io/v1beta1/VirtualMachinePreference': 'v1beta1.VirtualMachinePreference',
  'instancetype.kubevirt.io/v1beta1/VirtualMachineClusterPreference':
    'v1beta1.VirtualMachineClusterPreference',
  'snapshot.kubevirt.io/v1beta1/VirtualMachineSnapshot': 'v1beta1.VirtualMachineSnapshot',
  'snapshot.kubevirt.io/v1beta1/VirtualMachineRestore': 'v1beta1.VirtualMachineRestore',
  'clone.kubevirt.io/v1alpha1/VirtualMachineClone': 'v1alpha1.VirtualMachineClone',
  'clone.kubevirt.io/v1beta1/VirtualMachineClone': 'v1beta1.VirtualMachineClone',
  'migrations.kubevirt.io/v1alpha1/MigrationPolicy': 'v1alpha1.MigrationPolicy',
  'export.kubevirt.io/v1beta1/VirtualMachineExport': 'v1beta1.VirtualMachineExport',
  'export.kubevirt.io/v1/VirtualMachineExport': 'v1.VirtualMachineExport',
  'backup.kubevirt.io/v1alpha1/VirtualMachineBackup': 'v1alpha1.VirtualMachineBackup',
};
/** From the CRD catalog: CDI, and older versions of KubeVirt kinds that a release still serves. */
const CATALOG = {
  'kubevirt.io': ['virtualmachineinstancepreset_v1'],
  'pool.kubevirt.io': ['virtualmachinepool_v1alpha1'],
  'cdi.kubevirt.io': ['datavolume_v1beta1', 'datasource_v1beta1', 'dataimportcron_v1beta1'],
  'instancetype.kubevirt.io': [
    'virtualmachineinstancetype_v1alpha2',
    'virtualmachineclusterinstancetype_v1alpha2',
    'virtualmachinepreference_v1alpha2',
    'virtualmachineclusterpreference_v1alpha2',
  ],
  'snapshot.kubevirt.io': ['virtualmachinesnapshot_v1alpha1', 'virtualmachinerestore_v1alpha1'],
  'export.kubevirt.io': ['virtualmachineexport_v1alpha1'],
  'clone.kubevirt.io': ['virtualmachineclone_v1alpha1'],
};
const KIND_NAMES = {
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
};
const META = 'meta.v1.ObjectMeta';

const kubevirtPool = (name) =>
  name.startsWith('kv.k8s.io.')
    ? 'k8s'
    : name.startsWith('kv.')
      ? 'kubevirt'
      : name.startsWith('h')
        ? 'crd'
        : 'meta';

function kubevirt(N, k8sDefs) {
  // CRD metadata typed as the newest Kubernetes' ObjectMeta (and what it reaches).
  const meta = {};
  const closure = (name) => {
    if (meta[name] || !k8sDefs[name]) return;
    meta[name] = k8sDefs[name];
    JSON.stringify(k8sDefs[name]).replace(/#\/definitions\/([^"]+)/g, (_, n) => (closure(n), ''));
  };
  closure(META);
  // The catalog's CRD schemas, the same for every release (hash-consed: the VMI spec recurs).
  const catalog = {};
  const catalogDir = join(shared, 'kubevirt-crds');
  if (!existsSync(catalogDir)) throw new MissingSource(`the CRD catalog is not at ${catalogDir}`);
  for (const [group, files] of Object.entries(CATALOG)) {
    for (const f of files) {
      const [base, version] = f.split('_');
      const s = N.normalize(
        readSource(
          'datreeio/CRDs-catalog (see ../shared/schemas/SOURCES.md)',
          shared,
          `kubevirt-crds/${group}/${f}.json`,
        ),
        { ref: (r) => r },
      );
      if (s.properties?.status) s.properties.status = N.STATUS;
      N.typeMetadata(s, `#/definitions/${META}`);
      catalog[`${group}/${version}/${KIND_NAMES[base]}`] = s;
    }
  }
  const catalogDefs = {};
  const consed = N.hashCons(catalog, catalogDefs, sha);
  const versions = [];
  const pools = {};
  for (const release of KUBEVIRT_RELEASES) {
    const mod = 'kubevirt.io/kubevirt';
    const { dir, sum } = moduleDir(mod, release);
    const sw = readSource(`${mod}@${release} (${sum})`, dir, 'api/openapi-spec/swagger.json');
    const { kinds, definitions } = N.fromSwagger(sw, SWAGGER_KINDS, 'kv.');
    const all = { ...meta, ...catalogDefs, ...definitions };
    const index = {};
    for (const [k, s] of Object.entries(kinds)) index[k] = s.$ref.replace('#/definitions/', '');
    for (const [k, s] of Object.entries(consed)) {
      if (index[k]) continue; // the release's own swagger wins
      const name = `h${hash12(JSON.stringify(s))}`;
      all[name] = s;
      index[k] = name;
    }
    versions.push({
      family: 'kubevirt',
      version: release.replace(/^v(\d+\.\d+)\..*$/, '$1'),
      release,
      kinds: Object.fromEntries(Object.entries(index).sort(([a], [b]) => (a < b ? -1 : 1))),
      defs: pooled(all, pools, kubevirtPool),
    });
  }
  // KubeVirt's development API (newer than any release; ../shared/schemas/kubevirt-openapi): not a
  // version to choose, only to tell "newer than 1.7" from "no such field" in messages.
  const next = join(shared, 'kubevirt-openapi', 'swagger.json');
  if (existsSync(next)) {
    const sw = readSource(
      'kubevirt/kubevirt main d923fdb (see ../shared/schemas/SOURCES.md)',
      shared,
      'kubevirt-openapi/swagger.json',
    );
    const { kinds, definitions } = N.fromSwagger(sw, SWAGGER_KINDS, 'kv.');
    const index = {};
    for (const [k, s] of Object.entries(kinds)) index[k] = s.$ref.replace('#/definitions/', '');
    versions.push({
      family: 'kubevirt',
      version: 'next',
      release: 'main d923fdb (2026-08-22)',
      kinds: Object.fromEntries(Object.entries(index).sort(([a], [b]) => (a < b ? -1 : 1))),
      defs: pooled({ ...meta, ...definitions }, pools, kubevirtPool),
    });
  }
  writeFamily('kubevirt', versions, pools);
}

function writeSources() {
  const byOrigin = new Map();
  for (const s of sources) (byOrigin.get(s.origin) ?? byOrigin.set(s.origin, []).get(s.origin)).push(s);
  const parts = [];
  for (const [origin, files] of byOrigin) {
    parts.push(`### ${origin}\n\n| file | bytes | sha256 |\n| --- | --- | --- |`);
    const seen = new Set();
    for (const f of files) {
      if (seen.has(f.file)) continue;
      seen.add(f.file);
      parts.push(`| \`${f.file}\` | ${f.bytes} | \`${f.sha256}\` |`);
    }
    parts.push('');
  }
  writeFileSync(
    join(out, 'SOURCES.md'),
    `# Bundled manifest schemas — sources

Generated by \`scripts/gen-schemas.mjs\` (do not edit by hand; \`node scripts/gen-schemas.mjs\`
regenerates, a unit test checks the committed output is what it makes).

- Kubernetes ${K8S_RELEASES.join(', ')}: \`api/openapi-spec/v3/*.json\` of the Go module
  \`k8s.io/kubernetes\` at that release (Apache-2.0), from the Go module proxy; every kind with
  \`x-kubernetes-group-version-kind\` and \`metadata\` (Lists and meta types left out).
- KubeVirt ${KUBEVIRT_RELEASES.join(', ')}: \`api/openapi-spec/swagger.json\` of the Go module
  \`kubevirt.io/kubevirt\` at that release (Apache-2.0).
- KubeVirt's development API (\`kubevirt/next.json\`, only for messages that tell "added after
  1.7" from "no such field"): kubevirt/kubevirt \`api/openapi-spec/swagger.json\` at d923fdb
  (2026-08-22), as copied unmodified to ../shared/schemas/kubevirt-openapi.
- CDI (\`cdi.kubevirt.io\`) and older versions of KubeVirt kinds that the swagger does not
  describe: the CRD catalog datreeio/CRDs-catalog at 7b1e26ef9deea49293714d204c1a2270aab1178f (MIT),
  as copied unmodified to ../shared/schemas/kubevirt-crds.

What the generator changes: keeps only what the engine reads (types, properties, required, items,
additionalProperties, enum, bounds, descriptions trimmed to 1200 characters, preserve-unknown and
embedded-resource marks); marks fields whose description says they are deprecated; turns
int-or-string and quantity unions into \`type: [integer, string]\` with a format; adds enums the API
enforces in code but the schemas leave open (${Object.keys({
      runStrategy: 1,
      evictionStrategy: 1,
      imagePullPolicy: 1,
      restartPolicy: 1,
    })
      .map((k) => `\`${k}\``)
      .join(', ')}); replaces \`status\` by an open object; types CRD \`metadata\` as ObjectMeta;
stores every distinct definition once per family (pools named by content hash).

The module's \`go.sum\` hash (h1:) covers the whole module zip; the sha256 below covers each file read.

${parts.join('\n')}`,
  );
}

async function main() {
  const N = await loadNormalizer();
  mkdirSync(out, { recursive: true });
  // The old single-file bundles are replaced by the versioned folders.
  for (const f of ['kubevirt.json', 'kubernetes-1.35.json', 'PROVENANCE.md'])
    rmSync(join(out, f), { force: true });
  const k8sDefs = kubernetes(N);
  kubevirt(N, k8sDefs);
  writeSources();
  console.log('schemas/SOURCES.md written');
}

main().catch((e) => {
  console.error(`gen-schemas: ${e.message}`);
  process.exit(e instanceof MissingSource ? 3 : 1);
});
