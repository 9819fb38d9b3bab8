/**
 * The top-level keys of devcontainer.json: what the spec defines (devContainer.base.schema.json),
 * which are legacy and what replaced them. Shared by the launcher (what it honours) and the
 * validator (unknown and legacy keys).
 */

/** Keys of every config (the schema's devContainerCommon). */
export const COMMON_KEYS = [
  '$schema',
  'name',
  'features',
  'overrideFeatureInstallOrder',
  'secrets',
  'forwardPorts',
  'portsAttributes',
  'otherPortsAttributes',
  'updateRemoteUserUID',
  'containerEnv',
  'containerUser',
  'mounts',
  'init',
  'privileged',
  'capAdd',
  'securityOpt',
  'remoteEnv',
  'remoteUser',
  'initializeCommand',
  'onCreateCommand',
  'updateContentCommand',
  'postCreateCommand',
  'postStartCommand',
  'postAttachCommand',
  'waitFor',
  'userEnvProbe',
  'hostRequirements',
  'customizations',
] as const;

/** Image and Dockerfile configs only. */
export const NON_COMPOSE_KEYS = [
  'image',
  'build',
  'appPort',
  'runArgs',
  'shutdownAction',
  'overrideCommand',
  'workspaceFolder',
  'workspaceMount',
] as const;

/** Compose configs only. */
export const COMPOSE_KEYS = [
  'dockerComposeFile',
  'service',
  'runServices',
  'workspaceFolder',
  'shutdownAction',
  'overrideCommand',
] as const;

/** Legacy keys, with what replaced them; still read where the meaning is unchanged. */
export const LEGACY_KEYS: Readonly<Record<string, string>> = {
  dockerFile: 'build.dockerfile',
  context: 'build.context',
  extensions: 'customizations.vscode.extensions',
  settings: 'customizations.vscode.settings',
  devPort: 'nothing (it is no longer used)',
};

/** Keys that only an editor's UI reads; a sandbox has nothing to do with them. */
export const EDITOR_ONLY_KEYS = new Set(['customizations', 'extensions', 'settings', 'devPort', 'secrets']);

export const ALL_KEYS: ReadonlySet<string> = new Set([
  ...COMMON_KEYS,
  ...NON_COMPOSE_KEYS,
  ...COMPOSE_KEYS,
  ...Object.keys(LEGACY_KEYS),
]);
