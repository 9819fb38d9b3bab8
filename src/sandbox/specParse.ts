/**
 * Runtime checks of sandbox specs read back from where Podvisor stored them (container labels,
 * a microVM's sandbox.json). Anyone can edit a label or a file, so nothing is cast: a value of
 * the wrong shape is an error that names the field, and the sandbox shows with that problem.
 */
import { isSandboxName } from './names';
import {
  HOOK_NAMES,
  type ComposeSpec,
  type ContainerSpec,
  type FeatureSet,
  type HookName,
  type HookStep,
  type HostRequirements,
  type Lifecycle,
  type LifecycleCommand,
  type MountSpec,
  type PortAttributes,
  type PortForward,
  type PrivilegeRequest,
  type SandboxSource,
  type SandboxSpec,
  type SimpleCommand,
  type SourceKind,
} from './types';

type Obj = Record<string, unknown>;

class Reader {
  constructor(
    private readonly x: Obj,
    private readonly at: string,
  ) {}
  static of(x: unknown, at: string): Reader {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new Error(`${at} is not an object`);
    return new Reader(x as Obj, at);
  }
  private bad(k: string, want: string): never {
    throw new Error(`${this.at}.${k} is not ${want}`);
  }
  has(k: string): boolean {
    return this.x[k] !== undefined && this.x[k] !== null;
  }
  raw(k: string): unknown {
    return this.x[k];
  }
  path(k: string): string {
    return `${this.at}.${k}`;
  }
  str(k: string): string {
    const v = this.x[k];
    return typeof v === 'string' ? v : this.bad(k, 'a string');
  }
  optStr(k: string): string | undefined {
    return this.has(k) ? this.str(k) : undefined;
  }
  num(k: string): number {
    const v = this.x[k];
    return typeof v === 'number' && Number.isFinite(v) ? v : this.bad(k, 'a number');
  }
  optNum(k: string): number | undefined {
    return this.has(k) ? this.num(k) : undefined;
  }
  bool(k: string): boolean {
    const v = this.x[k];
    return typeof v === 'boolean' ? v : this.bad(k, 'true or false');
  }
  strings(k: string): string[] {
    const v = this.x[k];
    return Array.isArray(v) && v.every((s) => typeof s === 'string')
      ? [...v]
      : this.bad(k, 'a list of strings');
  }
  optStrings(k: string): string[] | undefined {
    return this.has(k) ? this.strings(k) : undefined;
  }
  record(k: string): Record<string, string> {
    const v = this.x[k];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.bad(k, 'an object of strings');
    const out: Record<string, string> = {};
    for (const [kk, vv] of Object.entries(v)) {
      if (typeof vv !== 'string') throw new Error(`${this.at}.${k}.${kk} is not a string`);
      out[kk] = vv;
    }
    return out;
  }
  list<T>(k: string, each: (x: unknown, at: string) => T): T[] {
    const v = this.x[k];
    if (!Array.isArray(v)) return this.bad(k, 'a list');
    return v.map((e, i) => each(e, `${this.at}.${k}[${i}]`));
  }
  optBool(k: string): boolean | undefined {
    return this.has(k) ? this.bool(k) : undefined;
  }
  optOneOf<T extends string>(k: string, allowed: readonly T[]): T | undefined {
    return this.has(k) ? this.oneOf(k, allowed) : undefined;
  }
  optRecord<T>(k: string, each: (x: unknown, at: string) => T): Record<string, T> | undefined {
    if (!this.has(k)) return undefined;
    const v = this.x[k];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.bad(k, 'an object');
    return Object.fromEntries(Object.entries(v).map(([kk, vv]) => [kk, each(vv, `${this.at}.${k}.${kk}`)]));
  }
  oneOf<T extends string>(k: string, allowed: readonly T[]): T {
    const v = this.x[k];
    return typeof v === 'string' && (allowed as readonly string[]).includes(v)
      ? (v as T)
      : this.bad(k, `one of ${allowed.join(', ')}`);
  }
}

const SOURCE_KINDS: readonly SourceKind[] = ['devcontainer', 'pod', 'kubevirt', 'image'];

export function parseSandboxSource(x: unknown, at = 'source'): SandboxSource {
  const r = Reader.of(x, at);
  const file = r.optStr('file');
  const documentIndex = r.optNum('documentIndex');
  return {
    kind: r.oneOf('kind', SOURCE_KINDS),
    label: r.str('label'),
    ...(file !== undefined ? { file } : {}),
    ...(documentIndex !== undefined ? { documentIndex } : {}),
  };
}

function port(x: unknown, at: string): PortForward {
  const r = Reader.of(x, at);
  return {
    container: r.num('container'),
    host: r.num('host'),
    protocol: r.oneOf('protocol', ['tcp', 'udp']),
  };
}

function mount(x: unknown, at: string): MountSpec {
  const r = Reader.of(x, at);
  return {
    type: r.oneOf('type', ['bind', 'volume', 'tmpfs']),
    source: r.str('source'),
    target: r.str('target'),
    readonly: r.bool('readonly'),
  };
}

function simple(x: unknown, at: string): SimpleCommand {
  const c = Reader.of(x, at);
  if (c.has('shell')) return { shell: c.str('shell') };
  return { argv: c.strings('argv') };
}

function command(x: unknown, at: string): LifecycleCommand {
  const c = Reader.of(x, at);
  if (!c.has('parallel')) return simple(x, at);
  return {
    parallel: c.list('parallel', (p, pat) => {
      const r = Reader.of(p, pat);
      return { name: r.str('name'), command: simple(r.raw('command'), `${pat}.command`) };
    }),
  };
}

function lifecycleOf(x: unknown, at: string): Lifecycle {
  const r = Reader.of(x, at);
  const out: Partial<Record<HookName, readonly HookStep[]>> = {};
  for (const hook of HOOK_NAMES)
    if (r.has(hook))
      out[hook] = r.list(hook, (s, sat) => {
        const step = Reader.of(s, sat);
        return { origin: step.str('origin'), command: command(step.raw('command'), `${sat}.command`) };
      });
  return out;
}

function features(x: unknown, at: string): FeatureSet {
  const r = Reader.of(x, at);
  return {
    configDir: r.str('configDir'),
    refs: r.list('refs', (f, fat) => {
      const fr = Reader.of(f, fat);
      const o = Reader.of(fr.raw('options'), `${fat}.options`);
      const options: Record<string, string | boolean> = {};
      for (const [k, v] of Object.entries(fr.raw('options') as Record<string, unknown>)) {
        if (typeof v !== 'string' && typeof v !== 'boolean')
          throw new Error(`${o.path(k)} is not a string or boolean`);
        options[k] = v;
      }
      return { id: fr.str('id'), options };
    }),
    overrideOrder: r.strings('overrideOrder'),
  };
}

function compose(x: unknown, at: string): ComposeSpec {
  const r = Reader.of(x, at);
  const servicePorts = r.has('servicePorts')
    ? r.list('servicePorts', (p, pat) => {
        const q = Reader.of(p, pat);
        return { service: q.str('service'), port: q.num('port') };
      })
    : undefined;
  return {
    files: r.strings('files'),
    project: r.str('project'),
    service: r.str('service'),
    runServices: r.strings('runServices'),
    workingDir: r.str('workingDir'),
    ...(servicePorts ? { servicePorts } : {}),
  };
}

function hostRequirements(x: unknown, at: string): HostRequirements {
  const r = Reader.of(x, at);
  const cpus = r.optNum('cpus');
  const memoryBytes = r.optNum('memoryBytes');
  const storageBytes = r.optNum('storageBytes');
  let gpu: HostRequirements['gpu'];
  if (r.has('gpu')) gpu = r.raw('gpu') === 'optional' ? 'optional' : r.bool('gpu');
  return {
    ...(cpus !== undefined ? { cpus } : {}),
    ...(memoryBytes !== undefined ? { memoryBytes } : {}),
    ...(storageBytes !== undefined ? { storageBytes } : {}),
    ...(gpu !== undefined ? { gpu } : {}),
  };
}

const AUTO_FORWARD = ['notify', 'openBrowser', 'openBrowserOnce', 'openPreview', 'silent', 'ignore'] as const;

function portAttributes(x: unknown, at: string): PortAttributes {
  const r = Reader.of(x, at);
  const label = r.optStr('label');
  const onAutoForward = r.optOneOf('onAutoForward', AUTO_FORWARD);
  const protocol = r.optOneOf('protocol', ['http', 'https'] as const);
  const requireLocalPort = r.optBool('requireLocalPort');
  return {
    ...(label !== undefined ? { label } : {}),
    ...(onAutoForward !== undefined ? { onAutoForward } : {}),
    ...(protocol !== undefined ? { protocol } : {}),
    ...(requireLocalPort !== undefined ? { requireLocalPort } : {}),
  };
}

function privilegeRequest(x: unknown, at: string): PrivilegeRequest {
  const r = Reader.of(x, at);
  const privileged = r.optBool('privileged');
  const capAdd = r.optStrings('capAdd');
  const securityOpt = r.optStrings('securityOpt');
  return {
    origin: r.str('origin'),
    ...(privileged !== undefined ? { privileged } : {}),
    ...(capAdd ? { capAdd } : {}),
    ...(securityOpt ? { securityOpt } : {}),
  };
}

function container(x: unknown, at: string): ContainerSpec {
  const r = Reader.of(x, at);
  const l = Reader.of(r.raw('limits'), `${at}.limits`);
  const cpus = l.optNum('cpus');
  const memoryBytes = l.optNum('memoryBytes');
  const image = r.optStr('image');
  const entrypoint = r.optStrings('entrypoint');
  const command = r.optStrings('command');
  const workingDir = r.optStr('workingDir');
  const user = r.optStr('user');
  const entrypoints = r.optStrings('entrypoints');
  let build: ContainerSpec['build'];
  if (r.has('build')) {
    const b = Reader.of(r.raw('build'), `${at}.build`);
    const target = b.optStr('target');
    build = {
      context: b.str('context'),
      dockerfile: b.str('dockerfile'),
      args: b.record('args'),
      ...(target !== undefined ? { target } : {}),
    };
  }
  return {
    name: r.str('name'),
    ...(image !== undefined ? { image } : {}),
    ...(build ? { build } : {}),
    ...(entrypoint ? { entrypoint } : {}),
    ...(command ? { command } : {}),
    keepAlive: r.bool('keepAlive'),
    env: r.record('env'),
    ports: r.list('ports', port),
    limits: {
      ...(cpus !== undefined ? { cpus } : {}),
      ...(memoryBytes !== undefined ? { memoryBytes } : {}),
      pids: l.num('pids'),
    },
    ...(workingDir !== undefined ? { workingDir } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(entrypoints ? { entrypoints } : {}),
  };
}

/** A stored spec, checked field by field; throws naming the first field that is wrong. */
export function parseSandboxSpec(x: unknown, at = 'spec'): SandboxSpec {
  const r = Reader.of(x, at);
  const name = r.str('name');
  if (!isSandboxName(name)) throw new Error(`${at}.name ${JSON.stringify(name)} is not a sandbox name`);
  let workspace: SandboxSpec['workspace'];
  if (r.has('workspace')) {
    const w = Reader.of(r.raw('workspace'), `${at}.workspace`);
    workspace = { hostPath: w.str('hostPath'), target: w.str('target'), readonly: w.bool('readonly') };
  }
  const remoteUser = r.optStr('remoteUser');
  const initializeCommand = r.has('initializeCommand')
    ? command(r.raw('initializeCommand'), r.path('initializeCommand'))
    : undefined;
  const waitFor = r.optOneOf('waitFor', HOOK_NAMES);
  const devcontainerId = r.optStr('devcontainerId');
  const feats = r.has('features') ? features(r.raw('features'), r.path('features')) : undefined;
  const comp = r.has('compose') ? compose(r.raw('compose'), r.path('compose')) : undefined;
  const hostReq = r.has('hostRequirements')
    ? hostRequirements(r.raw('hostRequirements'), r.path('hostRequirements'))
    : undefined;
  const portsAttributes = r.optRecord('portsAttributes', portAttributes);
  const otherPortsAttributes = r.has('otherPortsAttributes')
    ? portAttributes(r.raw('otherPortsAttributes'), r.path('otherPortsAttributes'))
    : undefined;
  const shutdownAction = r.optOneOf('shutdownAction', ['none', 'stopContainer', 'stopCompose'] as const);
  const updateRemoteUserUID = r.optBool('updateRemoteUserUID');
  const privilegeRequests = r.has('privilegeRequests')
    ? r.list('privilegeRequests', privilegeRequest)
    : undefined;
  const privileged = r.optBool('privileged');
  const securityOpt = r.optStrings('securityOpt');
  const shmSizeBytes = r.optNum('shmSizeBytes');
  const hostname = r.optStr('hostname');
  const containers = r.list('containers', container);
  if (!containers.length) throw new Error(`${at}.containers is empty`);
  return {
    name,
    source: parseSandboxSource(r.raw('source'), `${at}.source`),
    containers,
    ...(workspace ? { workspace } : {}),
    mounts: r.list('mounts', mount),
    ...(remoteUser !== undefined ? { remoteUser } : {}),
    remoteEnv: r.record('remoteEnv'),
    lifecycle: lifecycleOf(r.raw('lifecycle'), r.path('lifecycle')),
    ...(initializeCommand ? { initializeCommand } : {}),
    ...(waitFor ? { waitFor } : {}),
    ...(devcontainerId !== undefined ? { devcontainerId } : {}),
    ...(feats ? { features: feats } : {}),
    ...(comp ? { compose: comp } : {}),
    ...(hostReq ? { hostRequirements: hostReq } : {}),
    ...(portsAttributes ? { portsAttributes } : {}),
    ...(otherPortsAttributes ? { otherPortsAttributes } : {}),
    ...(shutdownAction ? { shutdownAction } : {}),
    ...(updateRemoteUserUID !== undefined ? { updateRemoteUserUID } : {}),
    capAdd: r.strings('capAdd'),
    ...(privilegeRequests ? { privilegeRequests } : {}),
    ...(privileged !== undefined ? { privileged } : {}),
    ...(securityOpt ? { securityOpt } : {}),
    extraHosts: r.strings('extraHosts'),
    init: r.bool('init'),
    ...(shmSizeBytes !== undefined ? { shmSizeBytes } : {}),
    ...(hostname !== undefined ? { hostname } : {}),
    labels: r.record('labels'),
    notes: r.strings('notes'),
  };
}

/** JSON text → a checked spec, or the reason it is not one. */
export function readSandboxSpec(
  text: string | undefined,
  where: string,
): { spec?: SandboxSpec; problem?: string } {
  if (text === undefined || text === '') return { problem: `${where} has no sandbox spec` };
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (e) {
    return { problem: `${where}: the sandbox spec is not JSON (${(e as Error).message})` };
  }
  try {
    return { spec: parseSandboxSpec(x) };
  } catch (e) {
    return { problem: `${where}: ${(e as Error).message}` };
  }
}
