/**
 * Turns upstream OpenAPI (Kubernetes' v3 documents, KubeVirt's swagger 2.0, CRD `openAPIV3Schema`)
 * into the JSON Schema subset the engine validates with. One implementation for two callers:
 * scripts/gen-schemas.mjs (the bundled schemas, bundled with esbuild at generation time) and the
 * runtime path that takes a connected cluster's own OpenAPI v3 and CRDs (`RuntimeSchemaSet`).
 * No I/O here.
 */
import type { JSONSchema } from './schemas';
import { textOf } from '../common/text';

/** Enums the upstream schemas leave open although the API accepts only these values. */
export const KNOWN_ENUMS: Record<string, string[]> = {
  runStrategy: ['Always', 'RerunOnFailure', 'Manual', 'Halted', 'Once', 'WaitAsReceiver'],
  evictionStrategy: ['None', 'LiveMigrate', 'LiveMigrateIfPossible', 'External'],
  // Kubernetes' OpenAPI v3 states these only in prose ("One of Always, Never, IfNotPresent").
  imagePullPolicy: ['Always', 'IfNotPresent', 'Never'],
  restartPolicy: ['Always', 'OnFailure', 'Never'],
};

/** Status is written by the cluster: `kubectl get -o yaml` output carries it, appliers ignore it. */
export const STATUS: JSONSchema = {
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  description: 'Written by the cluster; ignored when the manifest is applied.',
};

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
] as const;

/** Upstream says a field is deprecated in its description, in a few fixed ways. */
const DEPRECATED = /^(?:Deprecated|DEPRECATED)\b|\bDeprecated[:.]|\bDEPRECATED\b/;

export interface NormContext {
  /** Maps an upstream `$ref` to the output's `#/definitions/<name>` (and records what it needs). */
  ref(ref: string): string;
  isQuantity?: boolean;
}

type Raw = Record<string, unknown>;

/** One schema node (recursively) in the engine's subset. */
export function normalize(input: unknown, ctx: NormContext, propName?: string): JSONSchema {
  if (!input || typeof input !== 'object') return {};
  const s = input as Raw;
  const r: JSONSchema = {};
  // Kubernetes' OpenAPI v3 wraps refs as allOf:[{$ref}] to attach a description.
  const allOf = s.allOf as Raw[] | undefined;
  if (Array.isArray(allOf) && allOf.length === 1 && typeof allOf[0]?.$ref === 'string') {
    r.$ref = ctx.ref(allOf[0].$ref);
  } else if (typeof s.$ref === 'string') {
    r.$ref = ctx.ref(s.$ref);
  }
  for (const k of KEEP) if (s[k] !== undefined) (r as Record<string, unknown>)[k] = s[k];
  if (typeof r.description === 'string') {
    if (DEPRECATED.test(r.description)) r.deprecated = true;
    if (r.description.length > 1200)
      r.description = r.description.slice(0, 1200).replace(/\s+\S*$/, '') + ' …';
  }
  const alts = (s.anyOf ?? s.oneOf) as Raw[] | undefined;
  if (
    ctx.isQuantity ||
    s['x-kubernetes-int-or-string'] ||
    s.format === 'int-or-string' ||
    (Array.isArray(alts) && alts.every((a) => a.type) && alts.some((a) => a.type === 'string'))
  ) {
    const quantity = (typeof s.pattern === 'string' && s.pattern.includes('[KMGTPE]i')) || !!ctx.isQuantity;
    r.type = quantity ? ['integer', 'number', 'string'] : ['integer', 'string'];
    r.format = quantity ? 'quantity' : 'int-or-string';
  }
  const child = { ...ctx, isQuantity: false };
  if (s.properties && typeof s.properties === 'object') {
    r.properties = {};
    for (const [k, v] of Object.entries(s.properties as Raw)) r.properties[k] = normalize(v, child, k);
    if (r.type === undefined) r.type = 'object';
  }
  if (s.items && typeof s.items === 'object') r.items = normalize(s.items, child);
  if (s.additionalProperties !== undefined) {
    r.additionalProperties =
      typeof s.additionalProperties === 'object'
        ? normalize(s.additionalProperties, child)
        : s.additionalProperties;
  }
  if (propName && KNOWN_ENUMS[propName] && (r.type === 'string' || r.type === undefined) && !r.enum)
    r.enum = KNOWN_ENUMS[propName];
  if (Array.isArray(r.required) && r.required.length === 0) delete r.required;
  return r;
}

/** `io.k8s.api.core.v1.Pod` → `core.v1.Pod` (shorter names, smaller bundles). */
export function shortK8sName(n: string): string {
  return n.replace(/^io\.k8s\.(api\.|apimachinery\.pkg\.apis\.|apimachinery\.pkg\.)?/, '');
}

export interface KindsAndDefinitions {
  /** `<apiVersion>/<Kind>` → `{ $ref: '#/definitions/<name>' }` */
  kinds: Record<string, JSONSchema>;
  definitions: Record<string, JSONSchema>;
}

interface GVK {
  group: string;
  version: string;
  kind: string;
}

/** Whether a definition is an object a user writes (has metadata, is not a List or a meta type). */
function isWrittenKind(name: string, s: Raw, gvk: GVK): boolean {
  const props = s.properties as Raw | undefined;
  return !!props?.metadata && !gvk.kind.endsWith('List') && !name.includes('.apimachinery.');
}

/**
 * Kubernetes OpenAPI v3 documents (`components.schemas`, as in `api/openapi-spec/v3/*.json` or a
 * cluster's `/openapi/v3/<path>`) → every kind they define, with the definitions it reaches.
 */
export function fromOpenApiV3(docs: readonly unknown[]): KindsAndDefinitions {
  const all: Record<string, Raw> = {};
  for (const d of docs) {
    const schemas = (d as { components?: { schemas?: Record<string, Raw> } })?.components?.schemas;
    if (schemas) Object.assign(all, schemas);
  }
  const definitions: Record<string, JSONSchema> = {};
  const queue: string[] = [];
  const ctx: NormContext = {
    ref: (ref) => {
      const n = ref.replace('#/components/schemas/', '');
      queue.push(n);
      return `#/definitions/${shortK8sName(n)}`;
    },
  };
  const kinds: Record<string, JSONSchema> = {};
  for (const name of Object.keys(all).sort()) {
    const s = all[name]!;
    const gvks = s['x-kubernetes-group-version-kind'] as GVK[] | undefined;
    if (!Array.isArray(gvks)) continue;
    for (const g of gvks) {
      if (!isWrittenKind(name, s, g)) continue;
      const api = g.group ? `${g.group}/${g.version}` : g.version;
      kinds[`${api}/${g.kind}`] = { $ref: ctx.ref(`#/components/schemas/${name}`) };
    }
  }
  while (queue.length) {
    const n = queue.pop()!;
    const short = shortK8sName(n);
    if (definitions[short] || !all[n]) continue;
    definitions[short] = normalize(all[n], { ...ctx, isQuantity: n.endsWith('resource.Quantity') });
  }
  for (const d of Object.values(definitions))
    if (d.properties?.status && d.properties.apiVersion) d.properties.status = STATUS;
  return { kinds, definitions };
}

/** Swagger 2.0 (`definitions`, `#/definitions/X` refs) → the named kinds, prefixed definition names. */
export function fromSwagger(
  swagger: unknown,
  kindMap: Record<string, string>,
  prefix: string,
): KindsAndDefinitions {
  const sw = (swagger as { definitions?: Record<string, Raw> })?.definitions ?? {};
  const definitions: Record<string, JSONSchema> = {};
  const queue: string[] = [];
  const ctx: NormContext = {
    ref: (r) => {
      const n = r.replace('#/definitions/', '');
      queue.push(n);
      return `#/definitions/${prefix}${n}`;
    },
  };
  const kinds: Record<string, JSONSchema> = {};
  for (const [key, def] of Object.entries(kindMap)) {
    if (!sw[def]) continue;
    kinds[key] = { $ref: ctx.ref(`#/definitions/${def}`) };
  }
  while (queue.length) {
    const n = queue.pop()!;
    if (definitions[`${prefix}${n}`] || !sw[n]) continue;
    const d = normalize(sw[n], { ...ctx, isQuantity: n.endsWith('resource.Quantity') });
    if (d.properties?.status && d.properties.apiVersion) d.properties.status = STATUS;
    definitions[`${prefix}${n}`] = d;
  }
  return { kinds, definitions };
}

/**
 * A CustomResourceDefinition (as parsed YAML/JSON) → one kind per served version, from its
 * `openAPIV3Schema`. `metadata` typed as a bare object becomes ObjectMeta when `metaRef` is given.
 */
export function fromCrd(crd: unknown, metaRef?: string): KindsAndDefinitions {
  const spec = (crd as { spec?: Raw })?.spec;
  const kinds: Record<string, JSONSchema> = {};
  if (!spec) return { kinds, definitions: {} };
  const group = textOf(spec.group);
  const kind = textOf((spec.names as Raw | undefined)?.kind);
  const versions = Array.isArray(spec.versions) ? (spec.versions as Raw[]) : [];
  for (const v of versions) {
    if (v.served === false) continue;
    const schema = (v.schema as Raw | undefined)?.openAPIV3Schema;
    if (!schema || !kind) continue;
    const s = normalize(schema, { ref: (r) => r });
    if (s.properties?.status) s.properties.status = STATUS;
    if (metaRef) typeMetadata(s, metaRef);
    kinds[`${group}/${String(v.name)}/${kind}`] = s;
  }
  return { kinds, definitions: {} };
}

/** CRDs type metadata as a bare object: give users ObjectMeta's keys (typos in `labels` are common). */
export function typeMetadata(node: JSONSchema, metaRef: string): void {
  for (const [k, v] of Object.entries(node.properties ?? {})) {
    if (k === 'metadata' && v.type === 'object' && !v.properties) {
      node.properties![k] = v.description ? { $ref: metaRef, description: v.description } : { $ref: metaRef };
    } else typeMetadata(v, metaRef);
  }
  if (node.items) typeMetadata(node.items, metaRef);
  if (typeof node.additionalProperties === 'object') typeMetadata(node.additionalProperties, metaRef);
}

/**
 * Replaces big repeated subtrees by `$ref`s into `defs`, named by content (`h<sha>`), so a VMI spec
 * embedded in six CRDs is stored once. `hash` is injected (node:crypto in the generator).
 */
export function hashCons(
  root: Record<string, JSONSchema>,
  defs: Record<string, JSONSchema>,
  hash: (text: string) => string,
): Record<string, JSONSchema> {
  const counts = new Map<string, number>();
  const walk = (node: unknown, phase: 'count' | 'replace'): unknown => {
    if (!node || typeof node !== 'object') return node;
    if (Array.isArray(node)) return node.map((x) => walk(x, phase));
    const o: Raw = {};
    for (const [k, v] of Object.entries(node as Raw))
      o[k] = k === 'enum' || k === 'required' ? v : walk(v, phase);
    if (!o.properties && !o.items && !o.additionalProperties) return o;
    const text = JSON.stringify(o);
    if (text.length < 400) return o;
    const h = 'h' + hash(text).slice(0, 12);
    if (phase === 'count') {
      counts.set(h, (counts.get(h) ?? 0) + 1);
      return o;
    }
    if ((counts.get(h) ?? 0) < 2) return o;
    defs[h] = o;
    return { $ref: `#/definitions/${h}` };
  };
  walk(root, 'count');
  return walk(root, 'replace') as Record<string, JSONSchema>;
}
