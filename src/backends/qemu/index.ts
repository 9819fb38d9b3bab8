/** The QEMU backend (lazy bundle `qemu`): Podvisor-managed VMs. No vscode import here. */
export { probeKvm, resolveAcceleration, QEMU_BINARY, type Acceleration, type AccelProbe } from './accel';
export { qemuArgs } from './args';
export { createVm, parseCreateRequest, type CreateRequest, type VmSource } from './create';
export { checkBaseDisk, checkIso, checkKernel, imageInfo } from './images';
export { attachVm, launchVm, VmHandle, type ExitInfo, type LaunchOptions, type RunState } from './launcher';
export { shareTagProblem, vmNameProblem } from './names';
export { vmPaths, type VmPaths } from './paths';
export { checkPortsFree, freePort } from './ports';
export { QmpClient, QmpError, type QmpEvent } from './qmp';
export { buildSeedIso, writeSeedIso } from './seed';
export { SerialChannel } from './serial';
export { snapshotNameProblem, type Snapshot } from './snapshots';
export {
  parsePortForward,
  parseVmSpec,
  type VmSpec,
  type PortForward,
  type ShareSpec,
  type Machine,
  type AccelChoice,
} from './spec';
export { VmStore, type VmInfo, type VmDefaults } from './store';
export { EngineVms, pingEngine, type EngineState, type EngineVmInfo } from './engine/engines';
export { engineVmRequest, type EngineVmOptions } from './engine/engineVm';
export { ensureEngineImage, cachedEngineImage, type EngineImage, type EngineKernel } from './engine/image';
export { saveVm, savedStateOf, discardSavedState, type SavedState } from './saveState';
export { checkKeyFile, withSshKeys, readVmKeys, type VmKeys } from './sshKeys';
export { resolveKernel, type KernelFiles } from './kernel';
export {
  addInclude,
  hostAlias,
  includeLine,
  includesPodvisorConfig,
  podvisorSshConfigPath,
  writeSshConfig,
  type SshEntry,
} from './sshConfig';
export { hostDebianSources } from './engine/aptSources';
export { exportToKubevirt, kubeName, kubevirtManifest, type ExportResult } from './kubevirtExport';
export { readSeedIso } from './seedRead';
