import type { Command } from './command';
import { startDomain } from './libvirt/start';
import { shutdownDomain } from './libvirt/shutdown';
import { destroyDomain } from './libvirt/destroy';
import { rebootDomain } from './libvirt/reboot';
import { suspendDomain } from './libvirt/suspend';
import { resumeDomain } from './libvirt/resume';
import { createSnapshot } from './libvirt/snapshotCreate';
import { revertSnapshot } from './libvirt/snapshotRevert';
import { listSnapshots } from './libvirt/snapshots';
import { openConsole } from './libvirt/console';
import { addConnection } from './libvirt/addConnection';
import { removeConnection } from './libvirt/removeConnection';
import { startContainer } from './container/start';
import { stopContainer } from './container/stop';
import { restartContainer } from './container/restart';
import { pauseContainer } from './container/pause';
import { unpauseContainer } from './container/unpause';
import { removeContainer } from './container/remove';
import { containerLogs } from './container/logs';
import { containerShell } from './container/shell';
import { inspectContainer } from './container/inspect';
import { copyContainerId } from './container/copyId';
import { copyContainerName } from './container/copyName';
import { renameContainer } from './container/rename';
import { pruneContainers } from './container/prune';
import { removeImage } from './image/remove';
import { inspectImage } from './image/inspect';
import { composeUp } from './compose/up';
import { composeUpServices } from './compose/upServices';
import { composeDown } from './compose/down';
import { composeStop } from './compose/stop';
import { composeRestart } from './compose/restart';
import { composeLogs } from './compose/logs';
import { buildImage } from './image/build';
import { tagImage } from './image/tag';
import { pushImage } from './image/push';
import { pullImage } from './image/pull';
import { imageHistory } from './image/history';
import { pruneImages } from './image/prune';
import { addRegistry } from './registry/add';
import { removeRegistry } from './registry/remove';
import { loginRegistry } from './registry/login';
import { deleteRegistryTag } from './registry/deleteTag';
import { createVolume } from './volume/create';
import { removeVolume } from './volume/remove';
import { inspectVolume } from './volume/inspect';
import { pruneVolumes } from './volume/prune';
import { createNetwork } from './network/create';
import { removeNetwork } from './network/remove';
import { inspectNetwork } from './network/inspect';
import { pruneNetworks } from './network/prune';
import { browseContainerFiles } from './container/browseFiles';
import { downloadContainerFile } from './container/downloadFile';
import { uploadContainerFile } from './container/uploadFile';
import { retryDocker } from './docker/retry';
import { selectDockerContext } from './docker/selectContext';
import { launchSandbox } from './sandbox/launch';
import { launchFromImage } from './sandbox/launchFromImage';
import { runManifest } from './sandbox/runManifest';
import { openSandboxTerminal } from './sandbox/openTerminal';
import { stopSandbox } from './sandbox/stop';
import { restartSandbox } from './sandbox/restart';
import { rebuildSandbox } from './sandbox/rebuild';
import { removeSandbox } from './sandbox/remove';
import { validateManifest } from './manifest/validate';
import { validateWorkspaceManifests } from './manifest/validateWorkspace';
import { applyManifestToCluster } from './manifest/applyToCluster';
import { previewKustomizeBuild } from './kustomize/preview';
import { selectHelmValues } from './helm/selectValues';
import { newVm } from './vm/new';
import { createVmFromSpec } from './vm/createFromSpec';
import { startVm } from './vm/start';
import { shutdownVm } from './vm/shutdown';
import { forceOffVm } from './vm/forceOff';
import { rebootVm } from './vm/reboot';
import { pauseVm } from './vm/pause';
import { resumeVm } from './vm/resume';
import { openVmConsole } from './vm/console';
import { createVmSnapshot, revertVmSnapshot, deleteVmSnapshot, listVmSnapshots } from './vm/snapshot';
import { deleteVm } from './vm/delete';
import { openVmSpec } from './vm/openFolder';
import { ejectVmIso } from './vm/ejectIso';
import { newEngineVm } from './vm/newEngine';
import { saveVm } from './vm/save';
import { startVmFresh } from './vm/startFresh';
import { copySshCommand } from './vm/copySshCommand';
import { connectRemoteSsh } from './vm/connectRemoteSsh';
import { copyDockerHost } from './vm/copyDockerHost';
import { exportKubevirt } from './vm/exportKubevirt';
import { showLog } from './common/showLog';
import { refreshWorkloads } from './workloads/refresh';

/**
 * Every command of the extension, one line each. A host test checks this table against
 * package.json's `contributes.commands` in both directions.
 */
import { kubeVmStart } from './kube/vmStart';
import { kubeVmStop } from './kube/vmStop';
import { kubeVmRestart } from './kube/vmRestart';
import { kubeVmPause } from './kube/vmPause';
import { kubeVmUnpause } from './kube/vmUnpause';
import { kubeVmMigrate } from './kube/vmMigrate';
import { kubeVmConsole } from './kube/vmConsole';
import { kubeDeleteObject } from './kube/deleteObject';
import { kubeOpenYaml } from './kube/openYaml';
import { kubeApply } from './kube/apply';
import { kubeSelectContext } from './kube/selectContext';
import { kubeSelectNamespaces } from './kube/selectNamespaces';
import { kubeRetry } from './kube/retry';
import { selectTarget } from './workloads/selectTarget';

export const commandTable: readonly Command[] = [
  startDomain,
  shutdownDomain,
  destroyDomain,
  rebootDomain,
  suspendDomain,
  resumeDomain,
  createSnapshot,
  revertSnapshot,
  listSnapshots,
  openConsole,
  addConnection,
  removeConnection,
  startContainer,
  stopContainer,
  restartContainer,
  pauseContainer,
  unpauseContainer,
  removeContainer,
  containerLogs,
  containerShell,
  inspectContainer,
  copyContainerId,
  copyContainerName,
  renameContainer,
  pruneContainers,
  removeImage,
  inspectImage,
  composeUp,
  composeUpServices,
  composeDown,
  composeStop,
  composeRestart,
  composeLogs,
  buildImage,
  tagImage,
  pushImage,
  pullImage,
  imageHistory,
  pruneImages,
  addRegistry,
  removeRegistry,
  loginRegistry,
  deleteRegistryTag,
  createVolume,
  removeVolume,
  inspectVolume,
  pruneVolumes,
  createNetwork,
  removeNetwork,
  inspectNetwork,
  pruneNetworks,
  browseContainerFiles,
  downloadContainerFile,
  uploadContainerFile,
  retryDocker,
  selectDockerContext,
  launchSandbox,
  launchFromImage,
  runManifest,
  openSandboxTerminal,
  stopSandbox,
  restartSandbox,
  rebuildSandbox,
  removeSandbox,
  validateManifest,
  validateWorkspaceManifests,
  applyManifestToCluster,
  previewKustomizeBuild,
  selectHelmValues,
  newVm,
  createVmFromSpec,
  startVm,
  shutdownVm,
  forceOffVm,
  rebootVm,
  pauseVm,
  resumeVm,
  openVmConsole,
  createVmSnapshot,
  revertVmSnapshot,
  deleteVmSnapshot,
  listVmSnapshots,
  deleteVm,
  openVmSpec,
  ejectVmIso,
  newEngineVm,
  saveVm,
  startVmFresh,
  copySshCommand,
  connectRemoteSsh,
  copyDockerHost,
  exportKubevirt,
  refreshWorkloads,
  showLog,
  kubeVmStart,
  kubeVmStop,
  kubeVmRestart,
  kubeVmPause,
  kubeVmUnpause,
  kubeVmMigrate,
  kubeVmConsole,
  kubeDeleteObject,
  kubeOpenYaml,
  kubeApply,
  kubeSelectContext,
  kubeSelectNamespaces,
  kubeRetry,
  selectTarget,
];
