/**
 * The seam for cluster-aware validation: a connected cluster's own OpenAPI v3 documents (what
 * `GET /openapi/v3/<path>` returns, CRDs included) and/or CustomResourceDefinition objects become a
 * `RuntimeSchemaSet` that `ManifestService.setRuntimeSchemas()` lays over the bundled schemas.
 * With it, the cluster's kinds win, its CRDs are recognised, and its versions choose the bundled
 * schemas for everything else. Pure: the caller fetches.
 */
import { fromCrd, fromOpenApiV3 } from './schemaNormalize';
import type { JSONSchema, RuntimeSchemaSet } from './schemas';

export interface RuntimeSchemaInput {
  /** Shown in messages: `cluster "dev" (Kubernetes 1.33.2)`. */
  label: string;
  /** The cluster's Kubernetes version (`v1.33.2` or `1.33`): picks the bundled version for the rest. */
  kubernetesVersion?: string;
  /** The installed KubeVirt's version (`v1.6.1`), when known. */
  kubevirtVersion?: string;
  /** OpenAPI v3 documents (each with `components.schemas`). */
  openapiV3?: readonly unknown[];
  /** CustomResourceDefinition objects (apiextensions.k8s.io/v1), parsed. */
  crds?: readonly unknown[];
}

const META = 'meta.v1.ObjectMeta';

function minor(v: string | undefined): string | undefined {
  const m = v ? /^v?(\d+)\.(\d+)/.exec(v.trim()) : null;
  return m ? `${m[1]}.${m[2]}` : undefined;
}

export function runtimeSchemaSet(input: RuntimeSchemaInput): RuntimeSchemaSet {
  const kinds: Record<string, JSONSchema> = {};
  const definitions: Record<string, JSONSchema> = {};
  if (input.openapiV3?.length) {
    const r = fromOpenApiV3(input.openapiV3);
    Object.assign(kinds, r.kinds);
    Object.assign(definitions, r.definitions);
  }
  const metaRef = definitions[META] ? `#/definitions/${META}` : undefined;
  for (const crd of input.crds ?? []) {
    const r = fromCrd(crd, metaRef);
    for (const [k, s] of Object.entries(r.kinds)) if (!kinds[k]) kinds[k] = s;
  }
  const k8s = minor(input.kubernetesVersion);
  const kv = minor(input.kubevirtVersion);
  return {
    label: input.label,
    ...(k8s ? { kubernetesVersion: k8s } : {}),
    ...(kv ? { kubevirtVersion: kv } : {}),
    kinds,
    definitions,
  };
}
