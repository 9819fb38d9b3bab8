import * as fs from 'fs';
import * as path from 'path';
// The ESM build: esbuild cannot follow the UMD build's dynamic requires.
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser/lib/esm/main';
import { UserError } from '../common/errors';
import { lifecycleCommand } from './lifecycle';
import { nameForWorkspace } from './names';
import { parseRunArgs, RunArgsError } from './runArgs';
import type { ContainerSpec, MountSpec, PortForward, SandboxSpec } from './types';
import { parseDockerSize } from './units';

/** Keys this launcher honours; any other top-level key is listed once as not supported. */
const HANDLED = new Set([
  '$schema',
  'name',
  'image',
  'build',
  'dockerFile',
  'context',
  'workspaceFolder',
  'workspaceMount',
  'mounts',
  'containerEnv',
  'remoteEnv',
  'remoteUser',
  'containerUser',
  'forwardPorts',
  'appPort',
  'postCreateCommand',
  'postStartCommand',
  'runArgs',
  'hostRequirements',
  'overrideCommand',
]);
/** Keys that only matter to an editor UI and are harmless to skip (still listed, but as ignored). */
const EDITOR_ONLY = new Set([
  'customizations',
  'extensions',
  'settings',
  'portsAttributes',
  'otherPortsAttributes',
]);

const DEFAULT_PIDS = 1024;

export interface DevcontainerInput {
  /** The workspace folder on the host. */
  readonly workspaceFolder: string;
  /** Path of devcontainer.json (default `<workspace>/.devcontainer/devcontainer.json`). */
  readonly file?: string;
  /** Host environment for `${localEnv:…}`. */
  readonly env?: NodeJS.ProcessEnv;
}

export function devcontainerPath(workspaceFolder: string): string | undefined {
  for (const p of [
    path.join(workspaceFolder, '.devcontainer', 'devcontainer.json'),
    path.join(workspaceFolder, '.devcontainer.json'),
  ]) {
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

/** Reads and parses devcontainer.json into a sandbox spec; every problem is a UserError with where it is. */
export function loadDevcontainer(input: DevcontainerInput): SandboxSpec {
  const file = input.file ?? devcontainerPath(input.workspaceFolder);
  if (!file) throw new UserError(`No .devcontainer/devcontainer.json in ${input.workspaceFolder}`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`Cannot read ${file}: ${(e as Error).message}`);
  }
  return parseDevcontainer(text, { ...input, file });
}

export function parseDevcontainer(text: string, input: DevcontainerInput & { file: string }): SandboxSpec {
  const errors: ParseError[] = [];
  const raw = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false }) as unknown;
  const [first] = errors;
  if (first) {
    const { line, col } = lineCol(text, first.offset);
    throw new UserError(
      `${input.file}:${line}:${col}: devcontainer.json is not valid JSON: ${printParseErrorCode(first.error)}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new UserError(`${input.file}: devcontainer.json must be an object`);
  try {
    return toSpec(raw as Record<string, unknown>, input);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${input.file}: ${(e as Error).message}`);
  }
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, col: before.length - before.lastIndexOf('\n') };
}

function toSpec(j: Record<string, unknown>, input: DevcontainerInput & { file: string }): SandboxSpec {
  const notes: string[] = [];
  const ws = path.resolve(input.workspaceFolder);
  const devDir = path.dirname(input.file);
  const env = input.env ?? process.env;
  const vars =
    (containerWs: string) =>
    (s: string): string =>
      s.replace(/\$\{([^}]+)\}/g, (m, key: string) => {
        if (key === 'localWorkspaceFolder') return ws;
        if (key === 'localWorkspaceFolderBasename') return path.basename(ws);
        if (key === 'containerWorkspaceFolder') return containerWs;
        if (key === 'containerWorkspaceFolderBasename') return path.posix.basename(containerWs);
        if (key.startsWith('localEnv:')) {
          const [name = '', def] = key.slice('localEnv:'.length).split(':');
          return env[name] ?? def ?? '';
        }
        if (key === 'devcontainerId') return nameForWorkspace(ws);
        throw new Error(`unsupported variable ${m}`);
      });

  const unsupported = Object.keys(j).filter((k) => !HANDLED.has(k) && !EDITOR_ONLY.has(k));
  const editorOnly = Object.keys(j).filter((k) => EDITOR_ONLY.has(k));
  if (unsupported.length) notes.push(`devcontainer.json: not supported, ignored: ${unsupported.join(', ')}`);
  if (editorOnly.length) notes.push(`devcontainer.json: editor settings ignored: ${editorOnly.join(', ')}`);

  // Image or build
  const image = optStr(j, 'image');
  let build: ContainerSpec['build'];
  const b = j.build !== undefined ? obj(j.build, 'build') : undefined;
  const dockerfile = b
    ? (optStr(b, 'dockerfile', 'build.dockerfile') ?? optStr(b, 'dockerFile', 'build.dockerFile'))
    : optStr(j, 'dockerFile');
  if (dockerfile) {
    const ctxRel = (b ? optStr(b, 'context', 'build.context') : optStr(j, 'context')) ?? '.';
    const context = path.resolve(devDir, ctxRel);
    const dfAbs = path.resolve(devDir, dockerfile);
    if (!fs.existsSync(dfAbs))
      throw new UserError(`${input.file}: build.dockerfile ${dockerfile} not found (${dfAbs})`);
    const rel = path.relative(context, dfAbs);
    if (rel.startsWith('..'))
      throw new UserError(`${input.file}: the Dockerfile ${dfAbs} is outside the build context ${context}`);
    const args = b?.args !== undefined ? strMap(b.args, 'build.args') : {};
    const target = b ? optStr(b, 'target', 'build.target') : undefined;
    const bOther = b
      ? Object.keys(b).filter((k) => !['dockerfile', 'dockerFile', 'context', 'args', 'target'].includes(k))
      : [];
    if (bOther.length)
      notes.push(
        `devcontainer.json: build keys not supported, ignored: ${bOther.map((k) => `build.${k}`).join(', ')}`,
      );
    build = {
      context,
      dockerfile: rel.split(path.sep).join('/'),
      args: Object.fromEntries(Object.entries(args).map(([k, v]) => [k, vars('')(v)])),
      ...(target ? { target } : {}),
    };
  } else if (!image) {
    throw new UserError(
      `${input.file}: needs "image" or "build.dockerfile" (Docker Compose setups are not supported)`,
    );
  }
  if (image && build)
    notes.push('devcontainer.json: both image and build given; building (image is ignored)');

  // Workspace
  const basename = path.basename(ws);
  const wsRaw = optStr(j, 'workspaceFolder');
  const wsFolder = wsRaw !== undefined ? vars('')(wsRaw) : `/workspaces/${basename}`;
  if (!wsFolder.startsWith('/'))
    throw new UserError(
      `${input.file}: workspaceFolder must be an absolute path inside the container, got ${wsFolder}`,
    );
  const sub = vars(wsFolder);
  let workspace: SandboxSpec['workspace'] = { hostPath: ws, target: wsFolder, readonly: false };
  const wm = optStr(j, 'workspaceMount');
  if (wm !== undefined) {
    if (wm === '') workspace = undefined;
    else {
      const m = parseMount(sub(wm), 'workspaceMount');
      if (m.type !== 'bind')
        throw new UserError(`${input.file}: workspaceMount must be a bind mount of the workspace`);
      workspace = { hostPath: path.resolve(m.source), target: m.target, readonly: m.readonly };
    }
  }

  const mounts: MountSpec[] = [];
  if (j.mounts !== undefined) {
    if (!Array.isArray(j.mounts)) throw new UserError(`${input.file}: mounts must be an array`);
    for (const [i, m] of j.mounts.entries()) {
      const ms =
        typeof m === 'string' ? parseMount(sub(m), `mounts[${i}]`) : mountObject(m, `mounts[${i}]`, sub);
      mounts.push(ms);
    }
  }

  const containerEnv =
    j.containerEnv !== undefined ? mapValues(strMap(j.containerEnv, 'containerEnv'), sub) : {};
  const remoteEnv = j.remoteEnv !== undefined ? mapValues(strMap(j.remoteEnv, 'remoteEnv'), sub) : {};

  const ports: PortForward[] = [];
  for (const key of ['forwardPorts', 'appPort'] as const) {
    const v = j[key];
    if (v === undefined) continue;
    for (const p of Array.isArray(v) ? v : [v]) ports.push(parsePort(p, key));
  }

  const runArgs = j.runArgs !== undefined ? strList(j.runArgs, 'runArgs') : [];
  let safe;
  try {
    safe = parseRunArgs(runArgs.map(sub));
  } catch (e) {
    if (e instanceof RunArgsError) throw new UserError(`${input.file}: ${e.message}`);
    throw e;
  }

  let cpus = safe.cpus;
  let memoryBytes = safe.memoryBytes;
  if (j.hostRequirements !== undefined) {
    const hr = obj(j.hostRequirements, 'hostRequirements');
    if (hr.cpus !== undefined) {
      if (typeof hr.cpus !== 'number' || !(hr.cpus > 0))
        throw new UserError(`${input.file}: hostRequirements.cpus must be a positive number`);
      cpus ??= hr.cpus;
    }
    if (hr.memory !== undefined) {
      const n = typeof hr.memory === 'string' ? parseDockerSize(hr.memory) : undefined;
      if (n === undefined)
        throw new UserError(`${input.file}: hostRequirements.memory must be a size like "4gb"`);
      memoryBytes ??= n;
    }
    const other = Object.keys(hr).filter((k) => k !== 'cpus' && k !== 'memory');
    if (other.length)
      notes.push(`devcontainer.json: hostRequirements not enforced locally: ${other.join(', ')}`);
  }

  const overrideCommand = j.overrideCommand === undefined ? true : j.overrideCommand === true;
  const name = optStr(j, 'name') ?? basename;
  const container: ContainerSpec = {
    name: 'dev',
    ...(build ? { build } : { image }),
    keepAlive: overrideCommand,
    env: { ...containerEnv, ...safe.env },
    ports,
    limits: {
      ...(cpus ? { cpus } : {}),
      ...(memoryBytes ? { memoryBytes } : {}),
      pids: safe.pids ?? DEFAULT_PIDS,
    },
    ...(workspace ? { workingDir: workspace.target } : {}),
    ...(optStr(j, 'containerUser') ? { user: optStr(j, 'containerUser') } : {}),
  };
  const postCreate = lifecycleCommand(j.postCreateCommand, 'postCreateCommand', notes);
  const postStart = lifecycleCommand(j.postStartCommand, 'postStartCommand', notes);
  const remoteUser = optStr(j, 'remoteUser');
  return {
    name: nameForWorkspace(ws),
    source: { kind: 'devcontainer', label: name, file: input.file },
    containers: [container],
    ...(workspace ? { workspace } : {}),
    mounts,
    ...(remoteUser ? { remoteUser } : {}),
    remoteEnv,
    ...(postCreate ? { postCreateCommand: postCreate } : {}),
    ...(postStart ? { postStartCommand: postStart } : {}),
    capAdd: safe.capAdd,
    extraHosts: safe.extraHosts,
    init: safe.init,
    ...(safe.shmSizeBytes ? { shmSizeBytes: safe.shmSizeBytes } : {}),
    ...(safe.hostname ? { hostname: safe.hostname } : {}),
    labels: safe.labels,
    notes,
  };
}

/** Docker `--mount` syntax: `source=…,target=…,type=bind[,readonly]`. */
function parseMount(s: string, where: string): MountSpec {
  const kv: Record<string, string> = {};
  let ro = false;
  for (const part of s.split(',')) {
    const i = part.indexOf('=');
    if (i < 0) {
      if (part === 'readonly' || part === 'ro') ro = true;
      else if (part) throw new UserError(`${where}: cannot read mount option "${part}" in "${s}"`);
      continue;
    }
    kv[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  const m = mountObject(
    {
      type: kv.type ?? 'volume',
      source: kv.source ?? kv.src ?? '',
      target: kv.target ?? kv.dst ?? kv.destination ?? '',
      readonly: ro || kv.readonly === 'true' || kv.ro === 'true',
    },
    where,
    (x) => x,
  );
  return m;
}

function mountObject(v: unknown, where: string, sub: (s: string) => string): MountSpec {
  const o = obj(v, where);
  const type = typeof o.type === 'string' ? o.type : 'volume';
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs')
    throw new UserError(`${where}: mount type ${type} is not supported (bind, volume, tmpfs)`);
  const source = typeof o.source === 'string' ? sub(o.source) : '';
  const target = typeof o.target === 'string' ? sub(o.target) : '';
  if (!target.startsWith('/')) throw new UserError(`${where}: mount target must be an absolute path`);
  if (type !== 'tmpfs' && !source) throw new UserError(`${where}: mount needs a source`);
  if (/docker\.sock$|containerd\.sock$|podman\.sock$/.test(source) || /^\/(var\/)?run\/docker/.test(source)) {
    throw new UserError(
      `${where}: mounting the container engine's socket (${source}) would let the sandbox control the host; refused`,
    );
  }
  if (
    type === 'bind' &&
    (path.resolve(source) === '/' || /^\/(proc|sys|dev|boot|etc)(\/|$)/.test(path.resolve(source)))
  ) {
    throw new UserError(`${where}: bind-mounting the host's ${source} into a sandbox is refused`);
  }
  if (type === 'volume' && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(source))
    throw new UserError(`${where}: "${source}" is not a valid volume name`);
  return {
    type,
    source: type === 'bind' ? path.resolve(source) : source,
    target,
    readonly: o.readonly === true,
  };
}

function parsePort(p: unknown, key: string): PortForward {
  if (typeof p === 'number' && Number.isInteger(p) && p > 0 && p < 65536)
    return { container: p, host: 0, protocol: 'tcp' };
  if (typeof p === 'string') {
    const m = /^(?:(\d+):)?(\d+)(?:\/(tcp|udp))?$/.exec(p.trim());
    if (m) {
      const container = Number(m[2]);
      const host = m[1] ? Number(m[1]) : 0;
      if (container > 0 && container < 65536 && host < 65536)
        return { container, host, protocol: (m[3] as 'tcp' | 'udp' | undefined) ?? 'tcp' };
    }
    if (/^[^:]+:\d+$/.test(p))
      throw new UserError(
        `${key}: "${p}" forwards a port of another service (Docker Compose); not supported`,
      );
  }
  throw new UserError(`${key}: ${JSON.stringify(p)} is not a port`);
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new UserError(`${where} must be an object`);
  return v as Record<string, unknown>;
}
function optStr(o: Record<string, unknown>, key: string, where = key): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UserError(`${where} must be a string`);
  return v;
}
function strMap(v: unknown, where: string): Record<string, string> {
  const o = obj(v, where);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(o)) {
    if (typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
    else if (typeof x === 'string') out[k] = x;
    else throw new UserError(`${where}.${k} must be a string`);
  }
  return out;
}
function strList(v: unknown, where: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw new UserError(`${where} must be an array of strings`);
  return v;
}
function mapValues(o: Record<string, string>, f: (s: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}
