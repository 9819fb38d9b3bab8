import { type SettingReader, str, bool } from './read';

/** `podvisor.manifests.*` — owned by the manifest language service. */
export interface ManifestSettings {
  /** Kubernetes version whose schemas apply (1.31–1.37 bundled; others fall back to the nearest bundled). */
  readonly kubernetesVersion: string;
  /** KubeVirt version whose schemas apply (1.4–1.7 bundled). */
  readonly kubevirtVersion: string;
  /** RuntimeClass names accepted without a RuntimeClass object in the workspace (added to the built-in list). */
  readonly knownRuntimeHandlers: readonly string[];
  /** `podvisor.helm.path`: the user's helm (empty: PATH, then the one Podvisor's tools built). */
  readonly helmPath: string;
  /** Validate manifests at all (off: no diagnostics, other features stay). */
  readonly validate: boolean;
}

export function readManifestSettings(get: SettingReader): ManifestSettings {
  const raw = get('podvisor.manifests.knownRuntimeHandlers');
  const handlers = Array.isArray(raw)
    ? raw
        .filter(
          (x): x is string => typeof x === 'string' && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(x.trim()),
        )
        .map((x) => x.trim())
    : [];
  const version = str(get, 'podvisor.manifests.kubernetesVersion', '1.35');
  const kubevirt = str(get, 'podvisor.manifests.kubevirtVersion', '1.7').replace(/^v/, '');
  return {
    kubernetesVersion: /^1\.\d{1,3}$/.test(version) ? version : '1.35',
    kubevirtVersion: /^1\.\d{1,3}$/.test(kubevirt) ? kubevirt : '1.7',
    knownRuntimeHandlers: handlers,
    validate: bool(get, 'podvisor.manifests.validate', true),
    helmPath: str(get, 'podvisor.helm.path', '').trim(),
  };
}
