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
export {
  vmAction,
  deleteObject,
  subresourcesServed,
  checkName,
  type VmAction,
  type ActionResult,
} from './actions';
export {
  applyDocuments,
  parseForApply,
  liveYaml,
  objectYaml,
  FIELD_MANAGER,
  type ApplyDoc,
  type ApplyOutcome,
  type ApplyProblem,
  type DocResult,
} from './apply';
export { openVmStream } from './console';
export { podIsolation, describe } from './present';
export { followPodLogs, type LogSink, type FollowEnd } from './podLogs';
export { openPodSession, execInPod, type PodSession, type SessionEnd } from './podExec';
export { PortForwards, type PortForward, type ForwardTarget } from './portForward';
export { getPod, type PodView } from './podWatch';
