import type * as vscode from 'vscode';
import type { Logger } from '../common/log';
import type { SettingsStore } from './settingsStore';
import type { WorkloadsTree } from '../tree/workloadsTree';
import type { ManifestLanguage } from '../language/manifestLanguage';
import type { ContainersSection } from '../tree/containers/section';
import type { LibvirtSection } from '../tree/libvirt/section';
import type { SandboxesSection } from '../tree/sandboxes/section';
import type { ClustersSection } from '../tree/clusters/section';
import type { RegistriesSection } from '../tree/registries/section';
import type { VmsSection } from '../tree/vms/section';

/** The sections of the Workloads view, each typed (no lookup by id, no cast). */
export interface Sections {
  /** Containers, images, volumes and networks of every engine shown (connect when first shown). */
  readonly containers: ContainersSection;
  /** Image registries (podvisor.registries), browsed on demand. */
  readonly registries: RegistriesSection;
  /** Podvisor-managed QEMU VMs (the store loads with the `qemu` bundle on first show). */
  readonly vms: VmsSection;
  /** libvirt domains, one group per configured connection URI. */
  readonly libvirt: LibvirtSection;
  /** Sandboxed dev environments (the Sandboxes group; found again from engine labels). */
  readonly sandboxes: SandboxesSection;
  /** Kube contexts → namespaces → VMs, VMIs, pods (client-node loaded when first listed). */
  readonly clusters: ClustersSection;
}

/**
 * What commands and adapters receive. Built once in extension.ts and passed explicitly; each
 * feature adds its own typed field when it is wired. Internal: not what activate() returns.
 */
export interface Services extends Sections {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel & Logger;
  readonly settings: SettingsStore;
  readonly tree: WorkloadsTree;
  /** The manifest language service's editor side (engine loaded lazily on the first manifest). */
  readonly manifests: ManifestLanguage;
}
