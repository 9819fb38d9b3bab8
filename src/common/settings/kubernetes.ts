import { type PathBase, type SettingReader, defaultPathBase, pathSetting, str } from './read';

/** `podvisor.kubernetes.*` — owned by the Clusters feature. */
export interface KubernetesSettings {
  /** An explicit kubeconfig file (like `kubectl --kubeconfig`), absolute; '' = KUBECONFIG, then ~/.kube/config. */
  readonly kubeconfig: string;
  /** The context the Clusters section connects to; '' = the kubeconfig's current context. */
  readonly context: string;
}

export function readKubernetesSettings(
  get: SettingReader,
  at: PathBase = defaultPathBase(),
): KubernetesSettings {
  return {
    kubeconfig: pathSetting(get, 'podvisor.kubernetes.kubeconfig', at),
    context: str(get, 'podvisor.kubernetes.context', ''),
  };
}
