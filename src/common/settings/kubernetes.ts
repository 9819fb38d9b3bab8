import { type SettingReader, str } from './read';

/** `podvisor.kubernetes.*` — owned by the Clusters feature. */
export interface KubernetesSettings {
  /** An explicit kubeconfig file (like `kubectl --kubeconfig`); '' = KUBECONFIG, then ~/.kube/config. */
  readonly kubeconfig: string;
  /** The context the Clusters section connects to; '' = the kubeconfig's current context. */
  readonly context: string;
}

export function readKubernetesSettings(get: SettingReader): KubernetesSettings {
  return {
    kubeconfig: str(get, 'podvisor.kubernetes.kubeconfig', ''),
    context: str(get, 'podvisor.kubernetes.context', ''),
  };
}
