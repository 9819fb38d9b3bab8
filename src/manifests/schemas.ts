/**
 * The bundled schemas (generated into `<root>/schemas/<family>/` by scripts/gen-schemas.mjs): one
 * small index per version, definitions in content-addressed pools shared by all versions. A pool
 * is read and parsed the first time a definition in it is needed, once per version (a version's
 * `$ref`s are linked to its own copies, so two versions never share a linked node). A runtime
 * schema set (a connected cluster's own OpenAPI and CRDs) can be laid over the bundled ones: its
 * kinds win. The schema directory is passed in (the extension: `<extensionPath>/schemas`; the
 * CLI: relative to itself).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { KindInfo } from './kinds';
import { KUSTOMIZATION_SCHEMA } from './kustomize/schema';

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
  /** The field's description says it is deprecated (set by the normalizer). */
  deprecated?: boolean;
}

export type SchemaFamily = 'kubernetes' | 'kubevirt';
/** Schemas written in this repository (not generated), by `schemaId` bundle `builtin`. */
const BUILTIN: Record<string, JSONSchema> = {
  'kustomize.config.k8s.io/v1beta1/Kustomization': KUSTOMIZATION_SCHEMA,
  'kustomize.config.k8s.io/v1/Kustomization': KUSTOMIZATION_SCHEMA,
  'kustomize.config.k8s.io/v1alpha1/Component': KUSTOMIZATION_SCHEMA,
};

/** Which bundled version of each family applies (the settings, or a connected cluster's). */
export interface SchemaVersions {
  readonly kubernetesVersion: string;
  readonly kubevirtVersion?: string;
}

export const BUNDLED_KUBERNETES_VERSION = '1.35';
export const BUNDLED_KUBEVIRT_VERSION = '1.7';

/**
 * Schemas supplied at run time, e.g. from a connected cluster (`runtimeSchemaSet()` builds one
 * from its OpenAPI v3 documents and CRDs). Its kinds win over the bundled ones; its versions pick
 * the bundled schemas for kinds it does not describe.
 */
export interface RuntimeSchemaSet {
  /** Shown in messages and logs: `cluster "dev" (Kubernetes 1.33.2)`. */
  readonly label: string;
  readonly kubernetesVersion?: string;
  readonly kubevirtVersion?: string;
  /** `<apiVersion>/<Kind>` → schema (`$ref`s point into `definitions`). */
  readonly kinds: Record<string, JSONSchema>;
  readonly definitions: Record<string, JSONSchema>;
}

interface VersionIndex {
  family: SchemaFamily;
  version: string;
  release: string;
  kinds: Record<string, string>;
  defs: Record<string, Record<string, string>>;
}

const TARGET = Symbol('refTarget');
const OWNER = Symbol('owner');
type Linked = JSONSchema & { [TARGET]?: JSONSchema | null; [OWNER]?: Resolver };

/** Where a `$ref` of a node is looked up: a bundled version, or a runtime set. */
interface Resolver {
  definition(name: string): JSONSchema | undefined;
}

/** One bundled version: its index, and the pools it has parsed so far (its own copies). */
class VersionBundle implements Resolver {
  private readonly pools = new Map<string, Record<string, JSONSchema>>();
  private readonly byName = new Map<string, JSONSchema | null>();
  private readonly poolOf = new Map<string, [pool: string, hash: string]>();

  constructor(
    readonly index: VersionIndex,
    private readonly read: (file: string) => string | undefined,
  ) {
    for (const [pool, names] of Object.entries(index.defs))
      for (const [name, hash] of Object.entries(names)) this.poolOf.set(name, [pool, hash]);
  }

  kind(key: string): JSONSchema | undefined {
    const name = this.index.kinds[key];
    return name ? this.definition(name) : undefined;
  }

  definition(name: string): JSONSchema | undefined {
    let d = this.byName.get(name);
    if (d !== undefined) return d ?? undefined;
    const at = this.poolOf.get(name);
    d = at ? (this.pool(at[0])[at[1]] ?? null) : null;
    this.byName.set(name, d);
    return d ?? undefined;
  }

  private pool(pool: string): Record<string, JSONSchema> {
    let p = this.pools.get(pool);
    if (!p) {
      const text = this.read(`${this.index.family}/defs-${pool}.json`);
      p = text ? (JSON.parse(text) as Record<string, JSONSchema>) : {};
      for (const d of Object.values(p)) own(d, this);
      this.pools.set(pool, p);
    }
    return p;
  }
}

class RuntimeResolver implements Resolver {
  constructor(readonly set: RuntimeSchemaSet) {
    for (const d of Object.values(set.definitions)) own(d, this);
    for (const k of Object.values(set.kinds)) own(k, this);
  }
  definition(name: string): JSONSchema | undefined {
    return this.set.definitions[name];
  }
}

/** Marks every `$ref` node below `s` as resolved by `owner` (linked lazily on first deref). */
function own(s: JSONSchema | boolean | undefined, owner: Resolver): void {
  if (!s || typeof s !== 'object') return;
  if (s.$ref) (s as Linked)[OWNER] = owner;
  if (s.properties) for (const v of Object.values(s.properties)) own(v, owner);
  own(s.items, owner);
  own(s.additionalProperties, owner);
}

/** `1.9` < `1.10`: numeric order of `major.minor`. */
export function compareVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}

export class SchemaStore {
  private readonly bundles = new Map<string, VersionBundle | null>();
  private readonly merged = new WeakMap<JSONSchema, JSONSchema>();
  private readonly versionLists = new Map<SchemaFamily, string[]>();
  private runtime?: RuntimeResolver;

  constructor(readonly rootDir: string) {}

  /** Bundled versions of a family, oldest first (from file names). */
  versions(family: SchemaFamily): string[] {
    let v = this.versionLists.get(family);
    if (!v) {
      try {
        v = fs
          .readdirSync(path.join(this.rootDir, family))
          .map((f) => /^(\d+\.\d+)\.json$/.exec(f)?.[1])
          .filter((x): x is string => !!x)
          .sort(compareVersions);
      } catch {
        v = [];
      }
      this.versionLists.set(family, v);
    }
    return v;
  }

  kubernetesVersions(): string[] {
    return this.versions('kubernetes');
  }

  /** The bundled version a requested one maps to: itself, else the nearest (newest when past the end). */
  resolveVersion(family: SchemaFamily, requested: string | undefined): string {
    const have = this.versions(family);
    const dflt = family === 'kubernetes' ? BUNDLED_KUBERNETES_VERSION : BUNDLED_KUBEVIRT_VERSION;
    const want = requested && /^\d+\.\d+/.test(requested) ? /^\d+\.\d+/.exec(requested)![0] : dflt;
    if (have.includes(want)) return want;
    if (!have.length) return want;
    let best = have[0]!;
    for (const v of have) if (compareVersions(v, want) <= 0) best = v;
    return best;
  }

  /** The release a bundled version was generated from (`v1.35.4`). */
  release(family: SchemaFamily, version: string): string | undefined {
    return this.bundle(family, this.resolveVersion(family, version))?.index.release;
  }

  /** Lays a runtime schema set over the bundled schemas (undefined: back to bundled only). */
  setRuntime(set: RuntimeSchemaSet | undefined): void {
    this.runtime = set ? new RuntimeResolver(set) : undefined;
  }

  get runtimeSet(): RuntimeSchemaSet | undefined {
    return this.runtime?.set;
  }

  /** The versions in force: a runtime set's own, else the requested (settings) ones. */
  effective(v: SchemaVersions): Required<SchemaVersions> {
    const rt = this.runtime?.set;
    return {
      kubernetesVersion: this.resolveVersion('kubernetes', rt?.kubernetesVersion ?? v.kubernetesVersion),
      kubevirtVersion: this.resolveVersion('kubevirt', rt?.kubevirtVersion ?? v.kubevirtVersion),
    };
  }

  /** The family and key of a kind (`kubevirt`, `kubevirt.io/v1/VirtualMachine`). */
  static split(kindInfo: KindInfo): [SchemaFamily, string] {
    const i = kindInfo.schemaId.indexOf(':');
    return [kindInfo.schemaId.slice(0, i) as SchemaFamily, kindInfo.schemaId.slice(i + 1)];
  }

  /**
   * The schema for a kind, or undefined when neither the runtime set nor the chosen bundled
   * version has it. `versions` may be a bare Kubernetes version (older callers).
   */
  forKind(
    kindInfo: KindInfo,
    versions: SchemaVersions | string = BUNDLED_KUBERNETES_VERSION,
  ): JSONSchema | undefined {
    const [family, key] = SchemaStore.split(kindInfo);
    if ((family as string) === 'builtin') return BUILTIN[key];
    const rt = this.runtime?.set.kinds[key];
    if (rt) return this.deref(rt);
    const v = this.effective(typeof versions === 'string' ? { kubernetesVersion: versions } : versions);
    const s = this.bundle(family, family === 'kubernetes' ? v.kubernetesVersion : v.kubevirtVersion)?.kind(
      key,
    );
    return s ? this.deref(s) : undefined;
  }

  /** The schema of a kind in one bundled version (ignores the runtime set). */
  kindIn(family: SchemaFamily, version: string, key: string): JSONSchema | undefined {
    const s = this.bundle(family, version)?.kind(key);
    return s ? this.deref(s) : undefined;
  }

  /** Whether a bundled version serves a kind key. */
  serves(family: SchemaFamily, version: string, key: string): boolean {
    return !!this.bundle(family, version)?.index.kinds[key];
  }

  private readonly servedCache = new Map<string, string[]>();

  /** The bundled versions that serve a kind key, oldest first (cached: asked for every document). */
  servedVersions(family: SchemaFamily, key: string): string[] {
    const k = `${family}\0${key}`;
    let r = this.servedCache.get(k);
    if (!r) {
      r = this.versions(family).filter((v) => this.serves(family, v, key));
      this.servedCache.set(k, r);
    }
    return r;
  }

  /** Keys (`apps/v1/Deployment`) a bundled version serves. */
  kindKeys(family: SchemaFamily, version: string): string[] {
    return Object.keys(this.bundle(family, version)?.index.kinds ?? {});
  }

  /** Whether the runtime set describes a key. */
  runtimeServes(key: string): boolean {
    return !!this.runtime?.set.kinds[key];
  }

  /** A self-contained copy of a kind's schema (root + definitions) for other JSON Schema tools. */
  standalone(
    kindInfo: KindInfo,
    versions: SchemaVersions | string = BUNDLED_KUBERNETES_VERSION,
  ): object | undefined {
    const [family, key] = SchemaStore.split(kindInfo);
    const v = this.effective(typeof versions === 'string' ? { kubernetesVersion: versions } : versions);
    const b = this.bundle(family, family === 'kubernetes' ? v.kubernetesVersion : v.kubevirtVersion);
    const rootName = b?.index.kinds[key];
    if (!b || !rootName) return undefined;
    const definitions: Record<string, unknown> = {};
    const queue = [rootName];
    while (queue.length) {
      const n = queue.pop()!;
      if (definitions[n]) continue;
      const d = b.definition(n);
      if (!d) continue;
      const text = JSON.stringify(d);
      definitions[n] = JSON.parse(text);
      text.replace(/"\$ref":"#\/definitions\/([^"]+)"/g, (_, r: string) => (queue.push(r), ''));
    }
    return { $ref: `#/definitions/${rootName}`, definitions };
  }

  /** Follows `$ref` (keeping the referring node's description). */
  deref(s: JSONSchema): JSONSchema {
    const l = s as Linked;
    let t = l[TARGET];
    if (t === undefined && s.$ref) {
      t = l[OWNER]?.definition(s.$ref.replace('#/definitions/', '')) ?? null;
      l[TARGET] = t;
    }
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

  private bundle(family: SchemaFamily, version: string | undefined): VersionBundle | undefined {
    if (!version) return undefined;
    const file = `${family}/${version}.json`;
    let b = this.bundles.get(file);
    if (b === undefined) {
      const text = this.readText(file);
      b = text ? new VersionBundle(JSON.parse(text) as VersionIndex, (f) => this.readText(f)) : null;
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

/** `<dir>/schemas` for the first ancestor of `from` that has one (the CLI and tests run from dist/ or out/). */
export function findSchemaDir(from: string): string | undefined {
  let d = path.resolve(from);
  for (let i = 0; i < 6; i++) {
    const c = path.join(d, 'schemas');
    if (fs.existsSync(path.join(c, 'kubernetes'))) return c;
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  return undefined;
}
