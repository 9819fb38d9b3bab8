import * as fs from 'fs';
import * as path from 'path';
import type { EngineInfo } from '../backends/docker/client';
import { QEMU_BINARY } from '../backends/qemu/accel';
import type { IsolationLevel } from './types';

export interface LevelStatus {
  readonly level: IsolationLevel;
  readonly available: boolean;
  /** Engine runtime name (container levels). */
  readonly runtime?: string;
  /** Why it is not available, or what it runs on. */
  readonly detail: string;
}

/** One line per level: what it protects against (shown in the quick pick). */
export const LEVEL_NOTES: Record<IsolationLevel, { title: string; note: string }> = {
  container: {
    title: 'Container (runc, hardened)',
    note: 'Namespaces, dropped capabilities and limits: stops accidents and runaway processes; shares the host kernel.',
  },
  gvisor: {
    title: 'gVisor (runsc)',
    note: 'A user-space kernel answers the syscalls: host-kernel exploits from the workload are blocked.',
  },
  kata: {
    title: 'Kata Containers',
    note: 'Each sandbox in a lightweight VM with its own kernel: a hardware-virtualization boundary.',
  },
  microvm: {
    title: 'MicroVM (QEMU)',
    note: 'Own kernel and disk in QEMU; only the workspace is shared: a kernel exploit stays in the VM.',
  },
};

/** Engine runtime that looks like Kata (`kata`, `kata-runtime`, `io.containerd.kata.v2`, `kata-qemu`). */
export function kataRuntime(info: EngineInfo): string | undefined {
  return info.runtimes.find((k) => /kata/i.test(k) || /kata/i.test(info.runtimePaths[k] ?? ''));
}

/** A program on PATH (no shell). */
function which(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** Container-based levels from the engine's `/info` runtimes. `info` undefined: no engine. */
export function containerLevels(
  info: EngineInfo | undefined,
  engineError?: string,
  kataBinary = which('kata-runtime'),
): LevelStatus[] {
  if (!info) {
    const why = `no container engine: ${engineError ?? 'not reachable'}`;
    return (['container', 'gvisor', 'kata'] as const).map((level) => ({
      level,
      available: false,
      detail: why,
    }));
  }
  const names = info.runtimes;
  const runc = names.includes('runc') ? 'runc' : info.defaultRuntime;
  const runsc = names.find((k) => k === 'runsc' || /runsc$/.test(info.runtimePaths[k] ?? ''));
  const kata = kataRuntime(info);
  return [
    { level: 'container', available: true, runtime: runc, detail: `runtime ${runc}` },
    runsc
      ? { level: 'gvisor', available: true, runtime: runsc, detail: `runtime ${runsc}` }
      : {
          level: 'gvisor',
          available: false,
          detail:
            'runsc is not registered with the engine (install gVisor and add it to daemon.json "runtimes")',
        },
    kata
      ? { level: 'kata', available: true, runtime: kata, detail: `runtime ${kata}` }
      : {
          level: 'kata',
          available: false,
          detail: kataBinary
            ? `${kataBinary} is installed but not registered with the engine (add it to daemon.json "runtimes")`
            : 'Kata Containers is not installed (no kata runtime in the engine, no kata-runtime on PATH)',
        },
  ];
}

export interface MicroVmProbe {
  /** Whether the container engine answers (it turns the image into the VM's disk). */
  readonly engineUp: boolean;
  /** `podvisor.sandbox.kernel` ('' = Debian's cloud kernel). */
  readonly kernel: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly virtiofsd?: string;
}

/**
 * The microVM level: QEMU found on PATH exactly as the launcher finds it (it spawns
 * `qemu-system-x86_64` through PATH), virtiofsd for the workspace, a kernel, and the engine.
 */
export function microvmLevel(p: MicroVmProbe): LevelStatus {
  const qemu = which(QEMU_BINARY, p.env);
  const virtiofsd = p.virtiofsd ?? '/usr/lib/qemu/virtiofsd';
  let why: string | undefined;
  if (!qemu) why = `QEMU is not installed (no ${QEMU_BINARY} on PATH; Debian package qemu-system-x86)`;
  else if (!p.engineUp) why = 'the container engine is needed to turn the image into a disk';
  else if (p.kernel && !fs.existsSync(p.kernel))
    why = `the kernel ${p.kernel} (podvisor.sandbox.kernel) does not exist`;
  else if (!p.kernel && !fs.existsSync('/etc/debian_version'))
    why = 'set podvisor.sandbox.kernel (the default kernel comes from Debian)';
  else if (!fs.existsSync(virtiofsd)) why = 'virtiofsd is missing (Debian package qemu-system-common)';
  if (why) return { level: 'microvm', available: false, detail: why };
  const kvm = fs.existsSync('/dev/kvm') && !fs.existsSync('/sys/module/kvm_pvm');
  return {
    level: 'microvm',
    available: true,
    detail: `QEMU ${kvm ? 'with KVM' : 'with TCG (software, slower)'}`,
  };
}
