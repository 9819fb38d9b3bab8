import { LABEL } from './names';
import type { ContainerSpec, IsolationLevel, SandboxSpec } from './types';

/**
 * Capabilities a dev shell needs (file ownership, su/sudo-less user switching, signals, binding
 * low ports). Everything else of Docker's default set (MKNOD, NET_RAW, SYS_CHROOT, SETFCAP,
 * AUDIT_WRITE, SETPCAP) is dropped.
 */
export const DEV_CAPS = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'NET_BIND_SERVICE',
] as const;

export const DEFAULT_MEMORY = 4 * 1024 ** 3;
export const DEFAULT_CPUS = 2;

/**
 * Keeps a dev container alive without the image's command (devcontainer `overrideCommand`),
 * and exits at once on SIGTERM so stop is fast.
 */
export const KEEP_ALIVE = ['/bin/sh', '-c', "trap 'exit 0' TERM INT; while sleep 3600 & wait $!; do :; done"];

/**
 * The keep-alive loop, after the features' entrypoint scripts (each started in the background,
 * as a feature's entrypoint does its own setup and returns or keeps a daemon).
 */
export function keepAliveArgs(entrypoints: readonly string[] = []): string[] {
  if (!entrypoints.length) return KEEP_ALIVE.slice(1);
  const [, flag = '-c', loop = ''] = KEEP_ALIVE;
  // Entry points are paths a feature names; passed as positional arguments, never spliced in.
  return [
    flag,
    `for e in "$@"; do "$e" || echo "podvisor: entrypoint $e failed ($?)" >&2; done; ${loop}`,
    'pv-entrypoints',
    ...entrypoints,
  ];
}

export interface HardenInput {
  readonly spec: SandboxSpec;
  readonly container: ContainerSpec;
  readonly level: IsolationLevel;
  /** Engine runtime for the level (`runc`, `runsc`, the kata runtime's name). */
  readonly runtime: string;
  readonly hostCpus: number;
  readonly hostMemory: number;
  /** For a Pod's second and later containers: share the first one's network. */
  readonly joinNetworkOf?: string;
  readonly index?: number;
}

/** The Docker Engine API create body for one sandbox container, hardened by default. */
export function createBody(h: HardenInput): Record<string, unknown> {
  const { spec, container: c } = h;
  const cpus = Math.min(c.limits.cpus ?? DEFAULT_CPUS, Math.max(1, h.hostCpus));
  const memory = Math.min(c.limits.memoryBytes ?? DEFAULT_MEMORY, h.hostMemory > 0 ? h.hostMemory : Infinity);
  const mounts: Array<Record<string, unknown>> = [];
  if (spec.workspace)
    mounts.push({
      Type: 'bind',
      Source: spec.workspace.hostPath,
      Target: spec.workspace.target,
      ReadOnly: spec.workspace.readonly,
    });
  for (const m of spec.mounts)
    mounts.push({
      Type: m.type,
      ...(m.type === 'tmpfs' ? {} : { Source: m.source }),
      Target: m.target,
      ReadOnly: m.readonly,
    });
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  if (!h.joinNetworkOf) {
    for (const p of c.ports) {
      const key = `${p.container}/${p.protocol}`;
      exposed[key] = {};
      // 127.0.0.1 only: a sandbox's ports are for this machine's user, not the network.
      bindings[key] = [{ HostIp: '127.0.0.1', HostPort: p.host ? String(p.host) : '' }];
    }
  }
  const labels: Record<string, string> = {
    ...spec.labels,
    [LABEL.sandbox]: spec.name,
    [LABEL.level]: h.level,
    [LABEL.source]: JSON.stringify(spec.source),
    [LABEL.role]: c.name,
    [LABEL.index]: String(h.index ?? 0),
    ...(spec.workspace
      ? { [LABEL.workspace]: spec.workspace.hostPath, [LABEL.workspaceTarget]: spec.workspace.target }
      : {}),
    [LABEL.spec]: JSON.stringify(spec),
  };
  const cmd = c.keepAlive
    ? { Entrypoint: [KEEP_ALIVE[0]], Cmd: keepAliveArgs(c.entrypoints) }
    : {
        ...(c.entrypoint ? { Entrypoint: [...c.entrypoint] } : {}),
        ...(c.command ? { Cmd: [...c.command] } : {}),
      };
  return {
    ...(spec.hostname && !h.joinNetworkOf ? { Hostname: spec.hostname } : {}),
    ...(c.user ? { User: c.user } : {}),
    Env: Object.entries(c.env).map(([k, v]) => `${k}=${v}`),
    ...cmd,
    ...(c.workingDir ? { WorkingDir: c.workingDir } : {}),
    Labels: labels,
    ExposedPorts: exposed,
    Tty: false,
    OpenStdin: false,
    HostConfig: {
      Runtime: h.runtime,
      ...(spec.privileged ? { Privileged: true } : {}),
      CapDrop: spec.privileged ? [] : ['ALL'],
      CapAdd: spec.privileged ? [] : [...new Set([...DEV_CAPS, ...spec.capAdd])],
      SecurityOpt: ['no-new-privileges:true', ...(spec.securityOpt ?? [])],
      PidsLimit: c.limits.pids,
      Memory: memory,
      MemorySwap: memory,
      NanoCpus: Math.round(cpus * 1e9),
      PortBindings: bindings,
      Mounts: mounts,
      Init: spec.init,
      ExtraHosts: [...spec.extraHosts],
      ...(spec.shmSizeBytes ? { ShmSize: spec.shmSizeBytes } : {}),
      ...(h.joinNetworkOf ? { NetworkMode: `container:${h.joinNetworkOf}` } : {}),
      RestartPolicy: { Name: 'no' },
      // Never the engine socket: mounts are checked in devcontainer.ts, and nothing else adds one.
    },
  };
}
