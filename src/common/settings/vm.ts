import { type PathBase, type SettingReader, defaultPathBase, num, oneOf, pathSetting, str } from './read';

/** `podvisor.vm.*` — owned by the VMs feature. */
export interface VmSettings {
  /** Folder holding Podvisor-managed VMs, absolute; empty means the extension's global storage. */
  readonly home: string;
  /** `auto`: KVM when it really works (not kvm_pvm, QEMU can open it), else TCG. */
  readonly accelerator: 'auto' | 'kvm' | 'tcg';
  /** QEMU `-cpu` model; `auto`: `host` under KVM, `max` under TCG. */
  readonly cpuModel: string;
  /** Seconds to wait for an ACPI shutdown before offering to force the VM off. */
  readonly shutdownTimeoutSec: number;
  /** The SSH config file Podvisor writes its VMs' entries to, absolute; empty: ~/.ssh/podvisor/config. */
  readonly sshConfigFile: string;
}

export function readVmSettings(get: SettingReader, at: PathBase = defaultPathBase()): VmSettings {
  const cpu = str(get, 'podvisor.vm.cpuModel', 'auto');
  return {
    home: pathSetting(get, 'podvisor.vm.home', at),
    accelerator: oneOf(get, 'podvisor.vm.accelerator', ['auto', 'kvm', 'tcg'] as const, 'auto'),
    cpuModel: /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(cpu) ? cpu : 'auto',
    shutdownTimeoutSec: num(get, 'podvisor.vm.shutdownTimeoutSec', 60, 5, 3600),
    sshConfigFile: pathSetting(get, 'podvisor.vm.sshConfigFile', at),
  };
}
