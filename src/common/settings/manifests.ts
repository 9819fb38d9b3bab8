import { type SettingReader, str } from './read';

/** `podvisor.manifests.*` — owned by the manifest language service. */
export interface ManifestSettings {
  readonly kubernetesVersion: string;
}

export function readManifestSettings(get: SettingReader): ManifestSettings {
  return { kubernetesVersion: str(get, 'podvisor.manifests.kubernetesVersion', '1.35') };
}
