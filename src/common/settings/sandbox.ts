import { type SettingReader, oneOf, str } from './read';

/** `podvisor.sandbox.*` — owned by the sandbox feature. */
export interface SandboxSettings {
  readonly defaultIsolation: 'ask' | 'container' | 'gvisor' | 'kata' | 'microvm';
  /** vmlinuz for microVM sandboxes; empty = Debian's cloud kernel on Debian hosts. */
  readonly kernel: string;
}

export function readSandboxSettings(get: SettingReader): SandboxSettings {
  return {
    defaultIsolation: oneOf(
      get,
      'podvisor.sandbox.defaultIsolation',
      ['ask', 'container', 'gvisor', 'kata', 'microvm'] as const,
      'ask',
    ),
    kernel: str(get, 'podvisor.sandbox.kernel', ''),
  };
}
