/** What the engine reports: file offsets (0-based UTF-16), a stable code, a message in the user's terms. */
export type Severity = 'error' | 'warning' | 'info' | 'hint';

export interface ManifestDiagnostic {
  start: number;
  end: number;
  severity: Severity;
  /** Stable identifier (`schema.unknown-key`, `kubevirt.disk-without-volume`, …); quick fixes key on it. */
  code: string;
  message: string;
  /** What a quick fix needs (see each rule). */
  data?: unknown;
  /** Found in a manifest embedded in a block scalar (shown even when the outer kind is unknown). */
  embedded?: boolean;
  /** Related places (a rendered document's source file), as file paths with offsets. */
  related?: { file: string; start: number; end: number; message: string }[];
}

/** Workspace knowledge that does not live in the validated file. */
export interface WorkspaceFacts {
  /** Names of RuntimeClass objects found in other files of the workspace. */
  runtimeClassNames?(): Iterable<string>;
  /** Local image names (from the container backend), for completion. */
  localImages?(): Iterable<string>;
}

export interface ValidationOptions {
  /** Kubernetes version whose schemas apply (bundled: 1.31–1.37; others fall back to the nearest bundled). */
  kubernetesVersion: string;
  /** KubeVirt version whose schemas apply (bundled: 1.4–1.7). */
  kubevirtVersion: string;
  /** RuntimeClass names/handlers accepted without a RuntimeClass object in the workspace. */
  knownRuntimeHandlers: readonly string[];
}

export const DEFAULT_RUNTIME_HANDLERS: readonly string[] = [
  'runc',
  'crun',
  'runsc',
  'gvisor',
  'kata',
  'kata-containers',
  'kata-qemu',
  'kata-clh',
  'kata-fc',
  'kata-dragonball',
  'kata-stratovirt',
  'kata-qemu-tdx',
  'kata-qemu-snp',
  'kata-qemu-sev',
  'kata-qemu-se',
  'kata-qemu-nvidia-gpu',
  'kata-qemu-coco-dev',
  'kata-remote',
  'youki',
  'nvidia',
];

export const DEFAULT_OPTIONS: ValidationOptions = {
  kubernetesVersion: '1.35',
  kubevirtVersion: '1.7',
  knownRuntimeHandlers: DEFAULT_RUNTIME_HANDLERS,
};

/** Engine options from the `podvisor.manifests.*` settings: user handlers extend the built-in list. */
export function validationOptionsFrom(settings: {
  kubernetesVersion: string;
  kubevirtVersion?: string;
  knownRuntimeHandlers: readonly string[];
}): ValidationOptions {
  return {
    kubernetesVersion: settings.kubernetesVersion,
    kubevirtVersion: settings.kubevirtVersion ?? DEFAULT_OPTIONS.kubevirtVersion,
    knownRuntimeHandlers: [...new Set([...DEFAULT_RUNTIME_HANDLERS, ...settings.knownRuntimeHandlers])],
  };
}
