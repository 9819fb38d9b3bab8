import type { PathBase, SettingReader } from './read';
import { defaultPathBase, oneOf } from './read';
import { readDockerSettings, type DockerSettings } from './docker';
import { readVmSettings, type VmSettings } from './vm';
import { readManifestSettings, type ManifestSettings } from './manifests';
import { readSandboxSettings, type SandboxSettings } from './sandbox';
import { readLibvirtSettings, type LibvirtSettings } from './libvirt';
import { readKubernetesSettings, type KubernetesSettings } from './kubernetes';
import { readRegistrySettings, type RegistrySettings } from './registries';

export type { PathBase, SettingReader } from './read';
export type { DockerSettings, VmSettings, ManifestSettings, SandboxSettings, RegistrySettings };

/**
 * An immutable, validated snapshot of every `podvisor.*` setting. Read once, re-read on change;
 * consumers compare sections with `sameSection` to skip work when nothing they use changed.
 */
export interface Settings {
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  readonly docker: DockerSettings;
  readonly vm: VmSettings;
  readonly manifests: ManifestSettings;
  readonly sandbox: SandboxSettings;
  readonly libvirt: LibvirtSettings;
  readonly kubernetes: KubernetesSettings;
  readonly registries: RegistrySettings;
}

/** `at`: where `~` and relative path settings point (the home folder unless a test says otherwise). */
export function readSettings(get: SettingReader, at: PathBase = defaultPathBase()): Settings {
  return Object.freeze({
    logLevel: oneOf(get, 'podvisor.log.level', ['trace', 'debug', 'info', 'warn', 'error'] as const, 'info'),
    docker: Object.freeze(readDockerSettings(get)),
    vm: Object.freeze(readVmSettings(get, at)),
    manifests: Object.freeze(readManifestSettings(get)),
    sandbox: Object.freeze(readSandboxSettings(get, at)),
    libvirt: Object.freeze(readLibvirtSettings(get, at)),
    kubernetes: Object.freeze(readKubernetesSettings(get, at)),
    registries: Object.freeze(readRegistrySettings(get)),
  });
}

/** Structural equality of two snapshot sections (plain data only). */
export function sameSection<T>(a: T, b: T): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
