import { type SettingReader, str } from './read';

/** `podvisor.vm.*` — owned by the VMs feature. */
export interface VmSettings {
  /** Folder holding Podvisor-managed VMs; empty means the extension's global storage. */
  readonly home: string;
}

export function readVmSettings(get: SettingReader): VmSettings {
  return { home: str(get, 'podvisor.vm.home', '') };
}
