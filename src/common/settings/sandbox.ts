import { type SettingReader, oneOf } from './read';

/** `podvisor.sandbox.*` — owned by the sandbox feature. */
export interface SandboxSettings {
  readonly defaultIsolation: 'ask' | 'container' | 'gvisor' | 'kata' | 'microvm';
}

export function readSandboxSettings(get: SettingReader): SandboxSettings {
  return {
    defaultIsolation: oneOf(get, 'podvisor.sandbox.defaultIsolation', ['ask', 'container', 'gvisor', 'kata', 'microvm'] as const, 'ask'),
  };
}
