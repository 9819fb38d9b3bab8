/**
 * Which kinds the manifest engine serves, chosen per document by apiVersion + kind. Unknown kinds
 * get `undefined` (silent). Removed API versions are recognised so they get one diagnostic.
 */
import { textOf } from '../common/text';

export type KindFamily =
  | 'kubevirt'
  | 'cdi'
  | 'instancetype'
  | 'pool'
  | 'snapshot'
  | 'export'
  | 'clone'
  | 'migrations'
  | 'pod'
  | 'workload'
  | 'runtimeclass'
  | 'virtlet'
  /** Any other kind of a Kubernetes API group (Service, ConfigMap, Ingress…): schema-checked per version. */
  | 'kube'
  /** A kind the runtime schema set (a connected cluster's CRDs) describes. */
  | 'custom'
  /** kustomization.yaml (kustomize.config.k8s.io Kustomization / Component). */
  | 'kustomize';

export interface KindInfo {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Key into the schema bundles: `<bundle>:<apiVersion>/<Kind>` (e.g. `kubevirt:kubevirt.io/v1/VirtualMachine`). */
  readonly schemaId: string;
  readonly family: KindFamily;
  /** Set when the apiVersion is no longer served; `replacement` is the apiVersion to use instead ('' when none). */
  readonly removed?: { readonly replacement: string; readonly message?: string };
  /** Set when the kind itself is deprecated (still served). */
  readonly deprecated?: { readonly message: string };
  /** Set when this apiVersion still works but is deprecated; `replacement` is the apiVersion to use. */
  readonly deprecatedVersion?: { readonly replacement: string };
  /** Path to the pod template (`metadata` + `spec`) for workloads; `[]` for a Pod itself. */
  readonly podTemplatePath?: readonly (string | number)[];
  /** Path to a VirtualMachineInstanceSpec (`domain`, `volumes`, `networks`…) for KubeVirt kinds that embed one. */
  readonly vmiSpecPath?: readonly (string | number)[];
}

export const RUN_STRATEGIES = [
  'Always',
  'RerunOnFailure',
  'Manual',
  'Halted',
  'Once',
  'WaitAsReceiver',
] as const;
export const VIRTLET_ANNOTATION = 'kubernetes.io/target-runtime';

interface KindRow {
  family: KindFamily;
  bundle: 'kubevirt' | 'kubernetes' | 'builtin';
  versions: string[];
  removed?: Record<string, string>;
  deprecatedVersions?: Record<string, string>;
  podTemplatePath?: string[];
  vmiSpecPath?: string[];
  deprecated?: string;
}

const KUBEVIRT_REMOVED = {
  v1alpha1: 'kubevirt.io/v1',
  v1alpha2: 'kubevirt.io/v1',
  v1alpha3: 'kubevirt.io/v1',
};
/** group → kind → row. `versions` are served; `removed` maps a dead version to its replacement apiVersion. */
const TABLE: Record<string, Record<string, KindRow>> = {
  'kubevirt.io': {
    VirtualMachine: {
      family: 'kubevirt',
      bundle: 'kubevirt',
      versions: ['v1'],
      removed: KUBEVIRT_REMOVED,
      vmiSpecPath: ['spec', 'template', 'spec'],
    },
    VirtualMachineInstance: {
      family: 'kubevirt',
      bundle: 'kubevirt',
      versions: ['v1'],
      removed: KUBEVIRT_REMOVED,
      vmiSpecPath: ['spec'],
    },
    VirtualMachineInstanceReplicaSet: {
      family: 'kubevirt',
      bundle: 'kubevirt',
      versions: ['v1'],
      removed: KUBEVIRT_REMOVED,
      vmiSpecPath: ['spec', 'template', 'spec'],
    },
    VirtualMachineInstanceMigration: {
      family: 'kubevirt',
      bundle: 'kubevirt',
      versions: ['v1'],
      removed: KUBEVIRT_REMOVED,
    },
    VirtualMachineInstancePreset: {
      family: 'kubevirt',
      bundle: 'kubevirt',
      versions: ['v1'],
      removed: KUBEVIRT_REMOVED,
      deprecated:
        'VirtualMachineInstancePreset is deprecated: use instancetypes and preferences (instancetype.kubevirt.io/v1beta1) instead',
    },
  },
  'pool.kubevirt.io': {
    VirtualMachinePool: {
      family: 'pool',
      bundle: 'kubevirt',
      versions: ['v1beta1', 'v1alpha1'],
      deprecatedVersions: { v1alpha1: 'pool.kubevirt.io/v1beta1' },
      vmiSpecPath: ['spec', 'virtualMachineTemplate', 'spec', 'template', 'spec'],
    },
  },
  'cdi.kubevirt.io': Object.fromEntries(
    ['DataVolume', 'DataSource', 'DataImportCron'].map((k) => [
      k,
      {
        family: 'cdi',
        bundle: 'kubevirt',
        versions: ['v1beta1'],
        removed: { v1alpha1: 'cdi.kubevirt.io/v1beta1' },
      },
    ]),
  ),
  'instancetype.kubevirt.io': Object.fromEntries(
    [
      'VirtualMachineInstancetype',
      'VirtualMachineClusterInstancetype',
      'VirtualMachinePreference',
      'VirtualMachineClusterPreference',
    ].map((k) => [
      k,
      {
        family: 'instancetype',
        bundle: 'kubevirt',
        versions: ['v1beta1', 'v1alpha2'],
        removed: { v1alpha1: 'instancetype.kubevirt.io/v1beta1' },
        deprecatedVersions: { v1alpha2: 'instancetype.kubevirt.io/v1beta1' },
      },
    ]),
  ),
  'snapshot.kubevirt.io': Object.fromEntries(
    ['VirtualMachineSnapshot', 'VirtualMachineRestore'].map((k) => [
      k,
      {
        family: 'snapshot',
        bundle: 'kubevirt',
        versions: ['v1beta1', 'v1alpha1'],
        deprecatedVersions: { v1alpha1: 'snapshot.kubevirt.io/v1beta1' },
      },
    ]),
  ),
  'export.kubevirt.io': {
    VirtualMachineExport: {
      family: 'export',
      bundle: 'kubevirt',
      versions: ['v1', 'v1beta1', 'v1alpha1'],
      deprecatedVersions: { v1alpha1: 'export.kubevirt.io/v1beta1' },
    },
  },
  'backup.kubevirt.io': {
    VirtualMachineBackup: { family: 'snapshot', bundle: 'kubevirt', versions: ['v1alpha1'] },
  },
  'clone.kubevirt.io': {
    VirtualMachineClone: {
      family: 'clone',
      bundle: 'kubevirt',
      versions: ['v1beta1', 'v1alpha1'],
      deprecatedVersions: { v1alpha1: 'clone.kubevirt.io/v1beta1' },
    },
  },
  'migrations.kubevirt.io': {
    MigrationPolicy: { family: 'migrations', bundle: 'kubevirt', versions: ['v1alpha1'] },
  },
  'kustomize.config.k8s.io': {
    Kustomization: { family: 'kustomize', bundle: 'builtin', versions: ['v1beta1', 'v1'] },
    Component: { family: 'kustomize', bundle: 'builtin', versions: ['v1alpha1'] },
  },
  '': { Pod: { family: 'pod', bundle: 'kubernetes', versions: ['v1'], podTemplatePath: [] } },
  apps: Object.fromEntries(
    ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].map((k) => [
      k,
      {
        family: 'workload',
        bundle: 'kubernetes',
        versions: ['v1'],
        removed: { v1beta1: 'apps/v1', v1beta2: 'apps/v1' },
        podTemplatePath: ['spec', 'template'],
      },
    ]),
  ),
  extensions: Object.fromEntries(
    ['Deployment', 'DaemonSet', 'ReplicaSet'].map((k) => [
      k,
      {
        family: 'workload',
        bundle: 'kubernetes',
        versions: [],
        removed: { v1beta1: 'apps/v1' },
        podTemplatePath: ['spec', 'template'],
      },
    ]),
  ),
  batch: {
    Job: {
      family: 'workload',
      bundle: 'kubernetes',
      versions: ['v1'],
      podTemplatePath: ['spec', 'template'],
    },
    CronJob: {
      family: 'workload',
      bundle: 'kubernetes',
      versions: ['v1'],
      removed: { v1beta1: 'batch/v1', v2alpha1: 'batch/v1' },
      podTemplatePath: ['spec', 'jobTemplate', 'spec', 'template'],
    },
  },
  'node.k8s.io': {
    RuntimeClass: {
      family: 'runtimeclass',
      bundle: 'kubernetes',
      versions: ['v1'],
      removed: { v1beta1: 'node.k8s.io/v1', v1alpha1: 'node.k8s.io/v1' },
    },
  },
};

/**
 * The API groups of Kubernetes itself (the bundled OpenAPI's; a unit test keeps this list equal to
 * them): any kind in them is recognised and checked against the chosen version's schema.
 */
export const KUBERNETES_GROUPS: ReadonlySet<string> = new Set([
  '',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io',
  'lifecycle.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'storagemigration.k8s.io',
]);

/** Removed before the oldest bundled version, into another group (same-group moves are found from the schemas). */
const CROSS_GROUP_REMOVED: Record<string, { replacement: string; message?: string }> = {
  'extensions/v1beta1/Ingress': { replacement: 'networking.k8s.io/v1' },
  'extensions/v1beta1/NetworkPolicy': { replacement: 'networking.k8s.io/v1' },
  'extensions/v1beta1/PodSecurityPolicy': {
    replacement: '',
    message:
      'PodSecurityPolicy was removed in Kubernetes 1.25: use Pod Security Admission (namespace labels) instead',
  },
  'policy/v1beta1/PodSecurityPolicy': {
    replacement: '',
    message:
      'PodSecurityPolicy was removed in Kubernetes 1.25: use Pod Security Admission (namespace labels) instead',
  },
};

/** Groups whose every kind we know: an unknown kind there is still silent (could be a newer CRD). */
export function servedApiVersions(): string[] {
  const r = new Set<string>();
  for (const [g, kinds] of Object.entries(TABLE))
    for (const row of Object.values(kinds)) for (const v of row.versions) r.add(g ? `${g}/${v}` : v);
  return [...r].sort();
}

/** Kinds served for an apiVersion (for completion of `kind:`). */
export function kindsFor(apiVersion: string): string[] {
  const [group, version] = splitApiVersion(apiVersion);
  return Object.entries(TABLE[group] ?? {})
    .filter(([, row]) => row.versions.includes(version))
    .map(([k]) => k);
}

export function splitApiVersion(apiVersion: string): [group: string, version: string] {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? ['', apiVersion] : [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
}

/**
 * The kind a document declares, or undefined for a kind nobody here describes. `custom` says
 * whether a runtime schema set describes `<apiVersion>/<Kind>` (a cluster's CRDs).
 */
export function detectKind(
  apiVersion: unknown,
  kind: unknown,
  metadata?: unknown,
  custom?: (key: string) => boolean,
): KindInfo | undefined {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  const av = apiVersion.trim();
  const k = kind.trim();
  if (!av || !k || /\s/.test(av + k)) return undefined;
  const [group, version] = splitApiVersion(av);
  const row = TABLE[group]?.[k];
  if (!row) {
    const key = `${av}/${k}`;
    const cross = CROSS_GROUP_REMOVED[key];
    if (cross) {
      const [g, v] = splitApiVersion(cross.replacement);
      return {
        group: cross.replacement ? g : group,
        version: cross.replacement ? v : version,
        kind: k,
        family: 'kube',
        schemaId: `kubernetes:${cross.replacement || av}/${k}`,
        removed: cross,
      };
    }
    // `List` (kubectl get -o yaml) holds manifests of its own: validate.ts checks its items.
    if (KUBERNETES_GROUPS.has(group) && version && !k.endsWith('List'))
      return { group, version, kind: k, family: 'kube', schemaId: `kubernetes:${key}` };
    if (custom?.(key)) return { group, version, kind: k, family: 'custom', schemaId: `kubernetes:${key}` };
    return undefined;
  }
  let removed: KindInfo['removed'];
  let served = version;
  if (!row.versions.includes(version)) {
    const replacement = row.removed?.[version];
    if (!replacement) return undefined;
    removed = { replacement };
    served = splitApiVersion(replacement)[1];
  }
  const servedGroup = removed ? splitApiVersion(removed.replacement)[0] : group;
  const apiForSchema = servedGroup ? `${servedGroup}/${served}` : served;
  let family = row.family;
  if (family === 'pod' && isVirtletMeta(metadata)) family = 'virtlet';
  return {
    group: servedGroup,
    version: served,
    kind: kind.trim(),
    family,
    schemaId: `${row.bundle}:${apiForSchema}/${kind.trim()}`,
    ...(removed ? { removed } : {}),
    ...(row.deprecated ? { deprecated: { message: row.deprecated } } : {}),
    ...(!removed && row.deprecatedVersions?.[version]
      ? { deprecatedVersion: { replacement: row.deprecatedVersions[version] } }
      : {}),
    ...(row.podTemplatePath ? { podTemplatePath: row.podTemplatePath } : {}),
    ...(row.vmiSpecPath ? { vmiSpecPath: row.vmiSpecPath } : {}),
  };
}

function isVirtletMeta(metadata: unknown): boolean {
  if (!metadata || typeof metadata !== 'object') return false;
  const ann = (metadata as { annotations?: unknown }).annotations;
  return (
    !!ann &&
    typeof ann === 'object' &&
    textOf((ann as Record<string, unknown>)[VIRTLET_ANNOTATION]).trim() === 'virtlet.cloud'
  );
}
