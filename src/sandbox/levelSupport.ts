/**
 * What an isolation level can and cannot do with a config, said before anything is launched:
 * a refusal when the config cannot run at that level at all, notes for what is not honoured
 * there. The quick pick shows the notes next to each level; the backends refuse or log them.
 * Also the host-requirements check (minimums of devcontainer.json's hostRequirements).
 */
import { UserError } from '../common/errors';
import { formatBytes } from '../common/text';
import type { IsolationLevel, SandboxSpec } from './types';

export interface LevelSupport {
  readonly refusal?: string;
  readonly notes: readonly string[];
}

export function levelSupport(spec: SandboxSpec, level: IsolationLevel): LevelSupport {
  const notes: string[] = [];
  if (spec.shutdownAction && spec.shutdownAction !== 'none')
    notes.push(
      `shutdownAction ${spec.shutdownAction}: Podvisor keeps sandboxes running when a window closes or reloads (terminals re-attach); Stop from the Sandboxes view stops ${spec.shutdownAction === 'stopCompose' ? 'every service' : 'it'}`,
    );
  if (spec.hostRequirements?.gpu === 'optional')
    notes.push('hostRequirements.gpu: no GPU is passed into a sandbox');
  if (level !== 'microvm') {
    if (spec.compose && level !== 'container')
      notes.push(`Compose: every service runs under the ${level} runtime`);
    return { notes };
  }
  if (spec.compose)
    return {
      refusal:
        'A Docker Compose config runs its services as containers: pick the container, gVisor or Kata level (a microVM runs one image)',
      notes,
    };
  if (spec.containers.length > 1)
    return {
      refusal: 'A microVM sandbox runs one container image; use a container level for a multi-container Pod',
      notes,
    };
  const mounts = spec.mounts.map((m) => m.target);
  if (mounts.length)
    notes.push(`microVM: only the workspace is shared; mounts not available: ${mounts.join(', ')}`);
  if (spec.remoteUser && spec.remoteUser !== 'root')
    notes.push(
      `microVM: commands run as root inside the VM (remoteUser "${spec.remoteUser}" is not switched to)`,
    );
  if (spec.capAdd.length || spec.privilegeRequests?.length)
    notes.push(
      'microVM: capabilities and privileged mode do not apply (the VM is the boundary; its user is root)',
    );
  if (spec.containers[0]?.entrypoints?.length)
    notes.push("microVM: the features' entrypoint scripts are not started by the VM's init");
  if (spec.containers[0]?.ports.some((p) => p.protocol === 'udp'))
    notes.push('microVM: UDP ports are forwarded by QEMU user networking only if the guest listens on them');
  if (spec.updateRemoteUserUID !== false && (spec.remoteUser || spec.containers[0]?.user))
    notes.push('microVM: updateRemoteUserUID does not apply (the workspace is shared over virtiofs as root)');
  return { notes };
}

export interface HostFacts {
  readonly cpus: number;
  readonly memoryBytes: number;
  /** Free bytes where the sandbox's disk lives, when known. */
  readonly storageBytes?: number;
}

/** Throws one UserError listing every hostRequirements minimum this host does not meet. */
export function checkHostRequirements(spec: SandboxSpec, host: HostFacts, what: string): void {
  const hr = spec.hostRequirements;
  if (!hr) return;
  const unmet: string[] = [];
  if (hr.cpus !== undefined && host.cpus < hr.cpus) unmet.push(`${hr.cpus} CPUs (${what} has ${host.cpus})`);
  if (hr.memoryBytes !== undefined && host.memoryBytes > 0 && host.memoryBytes < hr.memoryBytes)
    unmet.push(`${formatBytes(hr.memoryBytes)} of memory (${what} has ${formatBytes(host.memoryBytes)})`);
  if (hr.storageBytes !== undefined && host.storageBytes !== undefined && host.storageBytes < hr.storageBytes)
    unmet.push(`${formatBytes(hr.storageBytes)} of storage (${formatBytes(host.storageBytes)} free)`);
  if (hr.gpu === true) unmet.push('a GPU (no GPU is passed into a sandbox)');
  if (unmet.length) throw new UserError(`hostRequirements not met: this config needs ${unmet.join(', ')}`);
}
