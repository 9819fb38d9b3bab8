/**
 * The bundled schemas (generated into `<root>/schemas/` by scripts/gen-schemas.mjs): loaded on
 * first use per bundle, `$ref`s linked once, sub-schema lookups cached. The schema directory is
 * passed in (the extension: `<extensionPath>/schemas`; the CLI: relative to itself).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { KindInfo } from './kinds';

export interface JSONSchema {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JSONSchema>;
  additionalProperties?: boolean | JSONSchema;
  items?: JSONSchema;
  required?: string[];
  enum?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  $ref?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
}

interface Bundle {
  version: string;
  source: string;
  kinds: Record<string, JSONSchema>;
  definitions: Record<string, JSONSchema>;
}

export const BUNDLED_KUBERNETES_VERSION = '1.35';
const TARGET = Symbol('refTarget');
type Linked = JSONSchema & { [TARGET]?: JSONSchema };

export class SchemaStore {
  private readonly bundles = new Map<string, Bundle | null>();
  private readonly merged = new WeakMap<JSONSchema, JSONSchema>();
  private versions?: string[];

  constructor(readonly rootDir: string) {}

  /** Kubernetes versions bundled (from file names). */
  kubernetesVersions(): string[] {
    if (!this.versions) {
      try {
        this.versions = fs
          .readdirSync(this.rootDir)
          .map((f) => /^kubernetes-(\d+\.\d+)\.json$/.exec(f)?.[1])
          .filter((v): v is string => !!v)
          .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
      } catch {
        this.versions = [];
      }
    }
    return this.versions;
  }

  /** The schema for a kind, or undefined when no bundle has it. `k8sVersion` falls back to the bundled one. */
  forKind(kindInfo: KindInfo, k8sVersion: string = BUNDLED_KUBERNETES_VERSION): JSONSchema | undefined {
    const i = kindInfo.schemaId.indexOf(':');
    const bundleName = kindInfo.schemaId.slice(0, i);
    const key = kindInfo.schemaId.slice(i + 1);
    const b = this.bundle(bundleName === 'kubernetes' ? this.k8sFile(k8sVersion) : `${bundleName}.json`);
    const s = b?.kinds[key];
    return s ? this.deref(s) : undefined;
  }

  /** The bundle file a Kubernetes version maps to (nearest bundled version when not bundled). */
  k8sFile(k8sVersion: string): string {
    const have = this.kubernetesVersions();
    if (have.includes(k8sVersion)) return `kubernetes-${k8sVersion}.json`;
    return `kubernetes-${have.at(-1) ?? BUNDLED_KUBERNETES_VERSION}.json`;
  }

  /** A self-contained copy of a kind's schema (root + definitions) for other JSON Schema tools. */
  standalone(kindInfo: KindInfo, k8sVersion: string = BUNDLED_KUBERNETES_VERSION): object | undefined {
    const i = kindInfo.schemaId.indexOf(':');
    const bundleName = kindInfo.schemaId.slice(0, i);
    const file = bundleName === 'kubernetes' ? this.k8sFile(k8sVersion) : `${bundleName}.json`;
    const text = this.readText(file);
    if (!text) return undefined;
    const b = JSON.parse(text) as Bundle;
    const s = b.kinds[kindInfo.schemaId.slice(i + 1)];
    return s ? { ...s, definitions: b.definitions } : undefined;
  }

  /** Follows `$ref` (keeping the referring node's description). */
  deref(s: JSONSchema): JSONSchema {
    const t = (s as Linked)[TARGET];
    if (!t) return s;
    if (!s.description || s.description === t.description) return this.deref(t);
    let m = this.merged.get(s);
    if (!m) {
      m = { ...this.deref(t), description: s.description };
      this.merged.set(s, m);
    }
    return m;
  }

  /** The sub-schema at a path of keys/indices below `schema` (objects: properties, then additionalProperties; arrays: items). */
  resolveAt(schema: JSONSchema | undefined, p: readonly (string | number)[]): JSONSchema | undefined {
    let s = schema && this.deref(schema);
    for (const seg of p) {
      if (!s) return undefined;
      s = this.child(s, seg);
    }
    return s;
  }

  /** One step down from a (dereferenced) schema. */
  child(s: JSONSchema, seg: string | number): JSONSchema | undefined {
    let c: JSONSchema | undefined;
    if (typeof seg === 'number') c = s.items;
    else
      c =
        s.properties?.[seg] ??
        (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
    return c && this.deref(c);
  }

  describe(schema: JSONSchema | undefined): SchemaDescription {
    const s = schema ? this.deref(schema) : {};
    const types =
      s.type === undefined ? (s.properties ? ['object'] : []) : Array.isArray(s.type) ? s.type : [s.type];
    return {
      description: s.description,
      types:
        s.format === 'quantity' ? ['quantity'] : s.format === 'int-or-string' ? ['integer', 'string'] : types,
      enum: s.enum,
      required: s.required ?? [],
      properties: s.properties ? Object.keys(s.properties) : [],
      format: s.format,
      preserveUnknown: !!s['x-kubernetes-preserve-unknown-fields'],
    };
  }

  private readText(file: string): string | undefined {
    try {
      return fs.readFileSync(path.join(this.rootDir, file), 'utf8');
    } catch {
      return undefined;
    }
  }

  private bundle(file: string): Bundle | undefined {
    let b = this.bundles.get(file);
    if (b === undefined) {
      const text = this.readText(file);
      b = text ? (JSON.parse(text) as Bundle) : null;
      if (b) link(b);
      this.bundles.set(file, b);
    }
    return b ?? undefined;
  }
}

export interface SchemaDescription {
  description?: string;
  /** JSON types, or `quantity` for Kubernetes quantities. */
  types: string[];
  enum?: unknown[];
  required: string[];
  properties: string[];
  format?: string;
  preserveUnknown: boolean;
}

/** Resolves every `#/definitions/X` once into a hidden object link. */
function link(b: Bundle): void {
  const seen = new Set<object>();
  const visit = (s: JSONSchema | boolean | undefined): void => {
    if (!s || typeof s !== 'object' || seen.has(s)) return;
    seen.add(s);
    if (s.$ref) {
      const target = b.definitions[s.$ref.replace('#/definitions/', '')];
      if (target) (s as Linked)[TARGET] = target;
    }
    if (s.properties) for (const v of Object.values(s.properties)) visit(v);
    visit(s.items);
    visit(s.additionalProperties);
  };
  for (const s of Object.values(b.kinds)) visit(s);
  for (const s of Object.values(b.definitions)) visit(s);
}

/** `<dir>/schemas` for the first ancestor of `from` that has one (the CLI and tests run from dist/ or out/). */
export function findSchemaDir(from: string): string | undefined {
  let d = path.resolve(from);
  for (let i = 0; i < 6; i++) {
    const c = path.join(d, 'schemas');
    if (fs.existsSync(path.join(c, 'kubevirt.json'))) return c;
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  return undefined;
}
