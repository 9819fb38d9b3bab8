/**
 * Red Hat's YAML extension (redhat.vscode-yaml) validates YAML too. When it is active on the same
 * file, the diagnostics both would raise for the same fault must appear once:
 * - YAML syntax errors: it reports them for every YAML file it validates → ours are dropped.
 * - Pure schema checks (`schema.*`): it reports them only where it has a schema for the file,
 *   i.e. when `yaml.schemas` associates its built-in `kubernetes` schema with the file; KubeVirt
 *   and other CRD kinds are then covered only through its CRD store (`yaml.kubernetesCRDStore`,
 *   on by default). Ours are dropped exactly for the kinds it covers.
 * - Everything a schema cannot say (running vs runStrategy, disk↔volume, quantities, images,
 *   cloud-init, RuntimeClass names, removed versions, templates) is ours alone and always kept.
 * No `vscode` import: the adapter reads the settings and passes them in, so this is unit-tested.
 */
export interface RedHatYamlState {
  /** the extension is installed and enabled */
  present: boolean;
  /** `yaml.validate` */
  validate: boolean;
  /** `yaml.kubernetesCRDStore.enable` */
  crdStore: boolean;
  /** the file matches a glob that `yaml.schemas` maps to `kubernetes` */
  kubernetesSchemaApplies: boolean;
}

export interface OverlapPolicy {
  dropSyntax: boolean;
  /** drop `schema.*` diagnostics of a document of this family */
  dropSchema(family: string | undefined): boolean;
}

const CORE_FAMILIES = new Set(['pod', 'workload', 'runtimeclass', 'virtlet']);

const NO_OVERLAP: OverlapPolicy = { dropSyntax: false, dropSchema: () => false };

export function overlapPolicy(s: RedHatYamlState): OverlapPolicy {
  if (!s.present || !s.validate) return NO_OVERLAP;
  return {
    dropSyntax: true,
    dropSchema: (family) => {
      if (!s.kubernetesSchemaApplies || !family) return false;
      return CORE_FAMILIES.has(family) || s.crdStore;
    },
  };
}

/** Is this engine diagnostic one the other extension also raises under `policy`? */
export function isDuplicate(policy: OverlapPolicy, code: string, family: string | undefined): boolean {
  if (policy.dropSyntax && (code === 'yaml.syntax' || code === 'yaml.tab-indentation')) return true;
  return code.startsWith('schema.') && policy.dropSchema(family);
}

/** The globs `yaml.schemas` maps to the built-in Kubernetes schema. */
export function kubernetesGlobs(schemas: unknown): string[] {
  if (!schemas || typeof schemas !== 'object') return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(schemas as Record<string, unknown>)) {
    if (key !== 'kubernetes' && !/kubernetes-json-schema|yannh\/kubernetes/.test(key)) continue;
    for (const g of Array.isArray(value) ? value : [value]) if (typeof g === 'string' && g) out.push(g);
  }
  return out;
}

/** A glob (`**`, `*`, `?`, `{a,b}`) as a RegExp over a `/`-separated path. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') re += '(?:';
    else if (c === '}') re += ')';
    else if (c === ',' && re.lastIndexOf('(?:') > re.lastIndexOf(')')) re += '|';
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Does a workspace-relative path (no leading slash) match any of Red Hat's globs? */
export function matchesAny(relPath: string, globs: readonly string[]): boolean {
  return globs.some((g) => {
    const t = g.replace(/^\.?\//, '');
    const full = t.startsWith('**/') ? t : t.includes('/') ? t : `**/${t}`;
    return globToRegExp(full).test(relPath);
  });
}
