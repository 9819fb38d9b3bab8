/** The kinds the Clusters section shows, with where they live in the API. */

export type ResourceKey =
  | 'namespaces'
  | 'virtualmachines'
  | 'virtualmachineinstances'
  | 'pods'
  | 'runtimeclasses'
  | 'datavolumes'
  | 'instancetypes'
  | 'clusterinstancetypes'
  | 'preferences'
  | 'clusterpreferences'
  | 'storageclasses';

export interface ResourceType {
  readonly key: ResourceKey;
  readonly group: string; // '' = core
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Part of KubeVirt or CDI: a 404 means "not installed", not an error. */
  readonly addon?: 'kubevirt' | 'cdi';
}

export const RESOURCES: Readonly<Record<ResourceKey, ResourceType>> = {
  namespaces: {
    key: 'namespaces',
    group: '',
    version: 'v1',
    plural: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
  },
  virtualmachines: {
    key: 'virtualmachines',
    group: 'kubevirt.io',
    version: 'v1',
    plural: 'virtualmachines',
    kind: 'VirtualMachine',
    namespaced: true,
    addon: 'kubevirt',
  },
  virtualmachineinstances: {
    key: 'virtualmachineinstances',
    group: 'kubevirt.io',
    version: 'v1',
    plural: 'virtualmachineinstances',
    kind: 'VirtualMachineInstance',
    namespaced: true,
    addon: 'kubevirt',
  },
  pods: { key: 'pods', group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true },
  runtimeclasses: {
    key: 'runtimeclasses',
    group: 'node.k8s.io',
    version: 'v1',
    plural: 'runtimeclasses',
    kind: 'RuntimeClass',
    namespaced: false,
  },
  datavolumes: {
    key: 'datavolumes',
    group: 'cdi.kubevirt.io',
    version: 'v1beta1',
    plural: 'datavolumes',
    kind: 'DataVolume',
    namespaced: true,
    addon: 'cdi',
  },
  instancetypes: {
    key: 'instancetypes',
    group: 'instancetype.kubevirt.io',
    version: 'v1beta1',
    plural: 'virtualmachineinstancetypes',
    kind: 'VirtualMachineInstancetype',
    namespaced: true,
    addon: 'kubevirt',
  },
  clusterinstancetypes: {
    key: 'clusterinstancetypes',
    group: 'instancetype.kubevirt.io',
    version: 'v1beta1',
    plural: 'virtualmachineclusterinstancetypes',
    kind: 'VirtualMachineClusterInstancetype',
    namespaced: false,
    addon: 'kubevirt',
  },
  preferences: {
    key: 'preferences',
    group: 'instancetype.kubevirt.io',
    version: 'v1beta1',
    plural: 'virtualmachinepreferences',
    kind: 'VirtualMachinePreference',
    namespaced: true,
    addon: 'kubevirt',
  },
  clusterpreferences: {
    key: 'clusterpreferences',
    group: 'instancetype.kubevirt.io',
    version: 'v1beta1',
    plural: 'virtualmachineclusterpreferences',
    kind: 'VirtualMachineClusterPreference',
    namespaced: false,
    addon: 'kubevirt',
  },
  storageclasses: {
    key: 'storageclasses',
    group: 'storage.k8s.io',
    version: 'v1',
    plural: 'storageclasses',
    kind: 'StorageClass',
    namespaced: false,
  },
};

export function apiVersionOf(r: ResourceType): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** The collection path: /api/v1/pods, /apis/kubevirt.io/v1/namespaces/ns/virtualmachines. */
export function collectionPath(r: ResourceType, namespace?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return namespace && r.namespaced
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${r.plural}`
    : `${base}/${r.plural}`;
}

export function objectPath(r: ResourceType, name: string, namespace?: string): string {
  return `${collectionPath(r, namespace)}/${encodeURIComponent(name)}`;
}

/** A resource type by its object's apiVersion and kind (for apply and open-YAML). */
export function resourceOfKind(apiVersion: string, kind: string): ResourceType | undefined {
  return Object.values(RESOURCES).find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}
