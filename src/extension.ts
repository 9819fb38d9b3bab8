import * as vscode from 'vscode';
import { commandTable } from './commands/table';
import { registerCommands } from './commands/register';
import { createLog } from './host/logChannel';
import { SettingsStore } from './host/settingsStore';
import type { Services } from './host/services';
import { WorkloadsTree } from './tree/workloadsTree';
import { LibvirtSection } from './tree/libvirt/section';
import { VmsSection } from './tree/vms/section';
import { createContainersSection, registerContainers } from './tree/containers';
import { createSandboxesSection } from './tree/sandboxes';
import { registerSandboxTerminals } from './commands/sandbox/terminal';
import { createRegistriesSection, registerRegistries } from './tree/registries';
import { registerContainerFiles } from './tree/containers/files';
import { registerComposeLens } from './language/composeLens';
import { createManifestLanguage, registerManifestLanguage } from './language';
import { ClustersSection } from './tree/clusters/section';
import { registerKubeDocuments } from './commands/kube/documents';

import { createApi, type PodvisorApi, type PodvisorTestApi } from './host/api';

// The public API (small, documented in host/api.ts); the tests' view adds the Services.
export type { PodvisorApi, PodvisorTestApi };

export function activate(context: vscode.ExtensionContext): PodvisorApi | PodvisorTestApi {
  const t0 = performance.now();
  const log = createLog();
  const settings = new SettingsStore();
  const tree = new WorkloadsTree();
  context.subscriptions.push(log, settings, tree);

  const containers = createContainersSection(log, settings);
  const services: Services = {
    context,
    log,
    settings,
    tree,
    containers,
    vms: new VmsSection(
      settings,
      log,
      vscode.Uri.joinPath(context.globalStorageUri, 'vms').fsPath,
      containers,
    ),
    libvirt: new LibvirtSection(settings, log),
    registries: createRegistriesSection(() => services),
    sandboxes: createSandboxesSection(log, settings, context.globalStorageUri.fsPath, containers),
    manifests: createManifestLanguage(context, log, settings, containers),
    clusters: new ClustersSection(settings, log, context.globalState),
  };
  context.subscriptions.push(...registerCommands(services, commandTable));
  context.subscriptions.push(tree.addSection(services.vms), tree.addSection(services.libvirt));
  context.subscriptions.push(...registerContainers(services));
  context.subscriptions.push(tree.addSection(services.sandboxes), ...registerSandboxTerminals(services));
  context.subscriptions.push(...registerRegistries(services));
  context.subscriptions.push(...registerContainerFiles(services));
  context.subscriptions.push(...registerComposeLens(services));
  context.subscriptions.push(...registerManifestLanguage(services.manifests));
  context.subscriptions.push(tree.addSection(services.clusters), ...registerKubeDocuments(services));

  log.info(
    `Podvisor ${String((context.extension.packageJSON as { version?: unknown }).version)} activated in ${(performance.now() - t0).toFixed(1)} ms`,
  );
  return createApi(services);
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
