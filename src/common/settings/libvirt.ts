import { type PathBase, type SettingReader, defaultPathBase, num, programSetting, strList } from './read';

/** `podvisor.libvirt.*` — owned by the libvirt domains feature. */
export interface LibvirtSettings {
  /** Connections shown in the tree, one group each. An empty list hides the libvirt section's groups. */
  readonly uris: readonly string[];
  /** The virsh binary: `virsh` (from PATH) or an absolute path. */
  readonly virshPath: string;
  /** Safety poll while the view is visible (events do the real work), in seconds. */
  readonly pollSeconds: number;
}

const DEFAULT_LIBVIRT_URIS: readonly string[] = ['qemu:///system', 'qemu:///session'];

export function readLibvirtSettings(get: SettingReader, at: PathBase = defaultPathBase()): LibvirtSettings {
  const uris = [...new Set(strList(get, 'podvisor.libvirt.uris', DEFAULT_LIBVIRT_URIS))];
  return {
    uris,
    virshPath: programSetting(get, 'podvisor.libvirt.virshPath', 'virsh', at),
    pollSeconds: num(get, 'podvisor.libvirt.pollSeconds', 60, 10, 3600),
  };
}
