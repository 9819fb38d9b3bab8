import type * as vscode from 'vscode';
import type { Logger } from '../common/log';
import type { SettingsStore } from './settingsStore';
import type { WorkloadsTree } from '../tree/workloadsTree';
import type { ManifestLanguage } from '../language/manifestLanguage';
import type { ContainersSection } from '../tree/containers/section';
import type { SandboxesSection } from '../tree/sandboxes/section';
import type { ClustersSection } from '../tree/clusters/section';
import type { RegistriesSection } from '../tree/registries/section';

/**
 * What commands and adapters receive. Built once in extension.ts and passed explicitly; each
 * feature adds its own typed field when it is wired.
 */
export interface Services {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel & Logger;
  readonly settings: SettingsStore;
  readonly tree: WorkloadsTree;
  /** Containers and images of the Docker/Podman engine (connects lazily, when first shown). */
  readonly containers: ContainersSection;
  /** Image registries (podvisor.registries), browsed on demand. */
  readonly registries: RegistriesSection;
  /** Sandboxed dev environments (the Sandboxes group; found again from engine labels). */
  readonly sandboxes: SandboxesSection;
  /** The manifest language service's editor side (engine loaded lazily on the first manifest). */
  readonly manifests: ManifestLanguage;
  /** Kube contexts → namespaces → VMs, VMIs, pods (client-node loaded when first listed). */
  readonly clusters: ClustersSection;
}
