/**
 * Workload vocabulary shared by every backend (containers, VMs, pods). Kept small on purpose:
 * each backend has its own richer model; these are the words the tree and the sandbox share.
 */

/** Lifecycle state, as menus see it in `contextValue` (`container.running`, `vm.stopped`). */
export type WorkloadState =
  'running' | 'paused' | 'restarting' | 'created' | 'stopped' | 'removing' | 'dead' | 'unknown';

/**
 * How strongly a workload is isolated from the host kernel: a plain container (runc, crun),
 * a user-space kernel (gVisor runsc), or a virtual machine (Kata, QEMU, KubeVirt).
 */
export type Isolation = 'container' | 'gvisor' | 'vm' | 'unknown';

/** The isolation a container runtime name gives (runc = container, runsc = gVisor, kata* = VM). */
export function isolationOfRuntime(runtime: string | undefined): Isolation {
  if (!runtime) return 'unknown';
  const r = runtime.toLowerCase();
  if (r === 'runsc' || r.startsWith('runsc-') || r.includes('gvisor')) return 'gvisor';
  if (r.startsWith('kata') || r.includes('kata-') || r.includes('.kata')) return 'vm';
  if (r === 'runc' || r === 'crun' || r === 'youki' || r.startsWith('io.containerd.runc')) return 'container';
  return 'unknown';
}
