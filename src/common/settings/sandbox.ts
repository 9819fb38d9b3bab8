import { type PathBase, type SettingReader, defaultPathBase, oneOf, pathSetting, strList } from './read';

/** `podvisor.sandbox.*` — owned by the sandbox feature. */
export interface SandboxSettings {
  readonly defaultIsolation: 'ask' | 'container' | 'gvisor' | 'kata' | 'microvm';
  /** vmlinuz for microVM sandboxes, absolute; empty = Debian's cloud kernel on Debian hosts. */
  readonly kernel: string;
  /**
   * Feature ids (as devcontainer.json names them), `devcontainer.json`, `compose:<service>`, or
   * `*`, whose privileged mode / extra capabilities / security options a sandbox may grant.
   * An application-scoped setting: a workspace cannot allow itself.
   */
  readonly allowPrivileges: readonly string[];
}

export function readSandboxSettings(get: SettingReader, at: PathBase = defaultPathBase()): SandboxSettings {
  return {
    defaultIsolation: oneOf(
      get,
      'podvisor.sandbox.defaultIsolation',
      ['ask', 'container', 'gvisor', 'kata', 'microvm'] as const,
      'ask',
    ),
    kernel: pathSetting(get, 'podvisor.sandbox.kernel', at),
    allowPrivileges: strList(get, 'podvisor.sandbox.allowPrivileges', []),
  };
}
