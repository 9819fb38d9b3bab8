/** The sandbox bundle (dist/lazy/sandbox.js), loaded on first use. No vscode imports here. */
export * from './types';
export { LABEL, sandboxName, nameForWorkspace, isSandboxName } from './names';
export { loadDevcontainer, parseDevcontainer, devcontainerPath } from './devcontainer';
export { parseRunArgs } from './runArgs';
export type { SandboxBackend, InteractiveSession, AttachOptions } from './backend';
export { containerLevels, microvmLevel, kataRuntime, LEVEL_NOTES, type LevelStatus } from './levels';
export { ContainerSandboxes } from './containerLauncher';
export { Sandboxes, type SandboxesOptions } from './sandboxes';
export { SandboxStore, type EngineFeed } from './store';
export { parseSandboxSpec, readSandboxSpec } from './specParse';
export { formatTimings, type LaunchContext } from './phases';
export { createBody, DEV_CAPS } from './hardening';
export { imageSpec } from './imageSource';
export { yamlDocs, podPlan, levelForHandler, type YamlDoc, type PodPlan } from './pod';
export { MicroVmSandboxes, type MicroVmOptions } from './microvm/microvms';
export { runOnConsole, consoleLine } from './microvm/console';
export { kubevirtPlan, isKubevirtVm, launchKubevirt, type KubevirtPlan } from './kubevirt';
