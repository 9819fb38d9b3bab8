/** The Kubernetes + KubeVirt backend (lazy bundle 'kube'): no vscode import. */
export { loadKubeconfig, kubeconfigFiles, type KubeconfigSet, type KubeContextInfo } from './kubeconfig';
export { KubeStore, DEFAULT_RESOURCES, type KubeStoreOptions } from './store';
export { KubeHttp } from './http';
export { KubeApiError, isKubeApiError } from './errors';
export {
  RESOURCES,
  apiVersionOf,
  collectionPath,
  objectPath,
  resourceOfKind,
  type ResourceKey,
} from './resources';
export { toItem, itemId, type KubeItem, type Summary } from './model';
