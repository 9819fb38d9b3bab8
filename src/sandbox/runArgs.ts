import { parseDockerSize } from './units';

/**
 * The part of devcontainer `runArgs` a sandbox accepts. Anything that would weaken isolation
 * (privileged, host namespaces, devices, docker socket, runtime or security overrides) or that
 * Podvisor decides itself (name, network, user) is rejected with the reason.
 */
export interface SafeRunArgs {
  capAdd: string[];
  env: Record<string, string>;
  extraHosts: string[];
  init: boolean;
  shmSizeBytes?: number;
  memoryBytes?: number;
  cpus?: number;
  pids?: number;
  hostname?: string;
  labels: Record<string, string>;
}

/** Capabilities a developer may ask for (debuggers, ping); everything else stays dropped. */
const ALLOWED_CAPS = new Set(['SYS_PTRACE', 'NET_RAW', 'AUDIT_WRITE', 'SETFCAP', 'MKNOD', 'SYS_CHROOT']);

const REJECT_REASONS: Array<[RegExp, string]> = [
  [/^--privileged$/, 'gives the sandbox every capability and host device'],
  [/^--(network|net)$/, 'Podvisor manages the network (ports are published on 127.0.0.1)'],
  [/^--(pid|ipc|uts|userns|cgroupns)$/, 'sharing a host namespace breaks isolation'],
  [/^--(device|device-cgroup-rule|gpus)$/, 'host devices are not passed into a sandbox'],
  [/^--(security-opt|cap-drop)$/, 'the sandbox security profile is fixed by its isolation level'],
  [/^--runtime$/, 'the runtime comes from the isolation level you choose'],
  [
    /^(-v|--volume|--mount|--volumes-from)$/,
    'use devcontainer `mounts` (checked for the Docker socket) instead',
  ],
  [/^(-p|--publish|-P|--publish-all)$/, 'use `forwardPorts` (published on 127.0.0.1 only)'],
  [/^(--name|-u|--user|-w|--workdir|--rm|-d|--detach|-i|-t|-it)$/, 'Podvisor sets this itself'],
];

export class RunArgsError extends Error {
  constructor(readonly rejected: ReadonlyArray<{ arg: string; reason: string }>) {
    super(`runArgs not allowed in a sandbox: ${rejected.map((r) => `${r.arg} (${r.reason})`).join('; ')}`);
    this.name = 'RunArgsError';
  }
}

export function parseRunArgs(args: readonly string[]): SafeRunArgs {
  const out: SafeRunArgs = { capAdd: [], env: {}, extraHosts: [], init: false, labels: {} };
  const rejected: Array<{ arg: string; reason: string }> = [];
  const rest = args.slice();
  for (let next = rest.shift(); next !== undefined; next = rest.shift()) {
    const raw = next;
    let flag = raw;
    let value: string | undefined;
    const eq = raw.indexOf('=');
    if (raw.startsWith('--') && eq > 0) {
      flag = raw.slice(0, eq);
      value = raw.slice(eq + 1);
    }
    const takeValue = (): string | undefined => {
      if (value !== undefined) return value;
      const v = rest.shift();
      if (v === undefined) rejected.push({ arg: raw, reason: 'missing its value' });
      return v;
    };
    const rej = REJECT_REASONS.find(([re]) => re.test(flag));
    if (rej) {
      rejected.push({ arg: raw, reason: rej[1] });
      // Skip the flag's value so it isn't read as a flag itself.
      if (
        value === undefined &&
        !/^(--privileged|-P|--publish-all|--rm|-d|--detach|-i|-t|-it)$/.test(flag) &&
        rest[0] &&
        !rest[0].startsWith('-')
      )
        rest.shift();
      continue;
    }
    switch (flag) {
      case '--cap-add': {
        const v = takeValue();
        if (v === undefined) break;
        const cap = v.toUpperCase().replace(/^CAP_/, '');
        if (ALLOWED_CAPS.has(cap)) out.capAdd.push(cap);
        else
          rejected.push({
            arg: `--cap-add ${v}`,
            reason: `only ${[...ALLOWED_CAPS].join(', ')} may be added`,
          });
        break;
      }
      case '-e':
      case '--env': {
        const v = takeValue();
        if (v === undefined) break;
        const k = v.indexOf('=');
        if (k <= 0) rejected.push({ arg: `${flag} ${v}`, reason: 'expected NAME=VALUE' });
        else out.env[v.slice(0, k)] = v.slice(k + 1);
        break;
      }
      case '--add-host': {
        const v = takeValue();
        if (v !== undefined) out.extraHosts.push(v);
        break;
      }
      case '--init':
        out.init = true;
        break;
      case '--shm-size':
      case '--memory':
      case '-m': {
        const v = takeValue();
        if (v === undefined) break;
        const n = parseDockerSize(v);
        if (n === undefined) rejected.push({ arg: `${flag} ${v}`, reason: 'not a size' });
        else if (flag === '--shm-size') out.shmSizeBytes = n;
        else out.memoryBytes = n;
        break;
      }
      case '--cpus': {
        const v = takeValue();
        if (v === undefined) break;
        const n = Number(v);
        if (!(n > 0)) rejected.push({ arg: `--cpus ${v}`, reason: 'not a CPU count' });
        else out.cpus = n;
        break;
      }
      case '--pids-limit': {
        const v = takeValue();
        if (v === undefined) break;
        const n = Number(v);
        if (!Number.isInteger(n) || n <= 0)
          rejected.push({
            arg: `--pids-limit ${v}`,
            reason: 'must be a positive integer (no unlimited in a sandbox)',
          });
        else out.pids = n;
        break;
      }
      case '-h':
      case '--hostname': {
        const v = takeValue();
        if (v !== undefined && /^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$/.test(v)) out.hostname = v;
        else if (v !== undefined) rejected.push({ arg: `${flag} ${v}`, reason: 'not a valid hostname' });
        break;
      }
      case '-l':
      case '--label': {
        const v = takeValue();
        if (v === undefined) break;
        const k = v.indexOf('=');
        const key = k > 0 ? v.slice(0, k) : v;
        if (key.startsWith('dev.podvisor.'))
          rejected.push({ arg: `${flag} ${v}`, reason: 'Podvisor labels are reserved' });
        else out.labels[key] = k > 0 ? v.slice(k + 1) : '';
        break;
      }
      default:
        rejected.push({
          arg: raw,
          reason:
            'not in the sandbox-safe subset (--cap-add, -e/--env, --add-host, --init, --shm-size, --memory, --cpus, --pids-limit, --hostname, --label)',
        });
    }
  }
  if (rejected.length) throw new RunArgsError(rejected);
  return out;
}
