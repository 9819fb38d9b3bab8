/**
 * Runtime checks of sandbox specs read back from where Podvisor stored them (container labels,
 * a microVM's sandbox.json). Anyone can edit a label or a file, so nothing is cast: a value of
 * the wrong shape is an error that names the field, and the sandbox shows with that problem.
 */
import { isSandboxName } from './names';
import type {
  ContainerSpec,
  LifecycleCommand,
  MountSpec,
  PortForward,
  SandboxSource,
  SandboxSpec,
  SourceKind,
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

function lifecycle(r: Reader, k: string): LifecycleCommand | undefined {
  if (!r.has(k)) return undefined;
  const c = Reader.of(r.raw(k), r.path(k));
  if (c.has('shell')) return { shell: c.str('shell') };
  return { argv: c.strings('argv') };
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
  const postCreateCommand = lifecycle(r, 'postCreateCommand');
  const postStartCommand = lifecycle(r, 'postStartCommand');
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
    ...(postCreateCommand ? { postCreateCommand } : {}),
    ...(postStartCommand ? { postStartCommand } : {}),
    capAdd: r.strings('capAdd'),
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
