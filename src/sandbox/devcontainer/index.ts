/**
 * devcontainer.json → a sandbox spec. Every key of the spec is read: image, Dockerfile and
 * Compose configs; features (references, resolved at launch); every lifecycle hook in its three
 * forms; ports and their attributes; users; env and every variable form; mounts; host
 * requirements; the privileges a config asks for (granted at launch, or refused). Keys a
 * sandbox cannot honour are listed once in `notes`; malformed values are UserErrors with the file.
 */
import * as fs from 'fs';
import * as path from 'path';
// The ESM build: esbuild cannot follow the UMD build's dynamic requires.
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser/lib/esm/main';
import { UserError } from '../../common/errors';
import { lifecycleCommand, lifecycleOf } from '../lifecycle';
import { nameForWorkspace, sandboxName } from '../names';
import { parseRunArgs, RunArgsError } from '../runArgs';
import {
  HOOK_NAMES,
  type ComposeSpec,
  type ContainerSpec,
  type FeatureRef,
  type HookName,
  type HostRequirements,
  type PortAttributes,
  type PortForward,
  type PrivilegeRequest,
  type SandboxSpec,
} from '../types';
import { parseDockerSize } from '../units';
import { ALL_KEYS, EDITOR_ONLY_KEYS, LEGACY_KEYS } from './keys';
import { mountList, parseMount } from './mounts';
import { attributesFor, checkPortKey, parsePort, portAttributes, type ServicePort } from './ports';
import { mapValues, obj, optBool, optStr, strList, strMap, strOrList, type Json } from './read';
import { devcontainerId, substitute, VariableError, type VariableContext } from './variables';

const DEFAULT_PIDS = 1024;

/** Capabilities a config may add without asking (debuggers, ping); the rest is a privilege request. */
export const SAFE_CAPS = new Set(['SYS_PTRACE', 'NET_RAW', 'AUDIT_WRITE', 'SETFCAP', 'MKNOD', 'SYS_CHROOT']);

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

/** JSONC text → the object, or a UserError at the first syntax error's line and column. */
export function parseJsoncObject(text: string, file: string, what = 'devcontainer.json'): Json {
  const errors: ParseError[] = [];
  const raw = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false }) as unknown;
  const [first] = errors;
  if (first) {
    const { line, col } = lineCol(text, first.offset);
    throw new UserError(
      `${file}:${line}:${col}: ${what} is not valid JSON: ${printParseErrorCode(first.error)}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new UserError(`${file}: ${what} must be an object`);
  return raw as Json;
}

export function parseDevcontainer(text: string, input: DevcontainerInput & { file: string }): SandboxSpec {
  const raw = parseJsoncObject(text, input.file);
  try {
    return toSpec(raw, input);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${input.file}: ${e.message}`, e.detail);
    if (e instanceof VariableError || e instanceof TypeError)
      throw new UserError(`${input.file}: ${e.message}`);
    throw e;
  }
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, col: before.length - before.lastIndexOf('\n') };
}

function toSpec(j: Json, input: DevcontainerInput & { file: string }): SandboxSpec {
  const notes: string[] = [];
  const ws = path.resolve(input.workspaceFolder);
  const file = path.resolve(input.file);
  const devDir = path.dirname(file);
  const env = input.env ?? process.env;
  const id = devcontainerId(ws, file);
  const isCompose = j.dockerComposeFile !== undefined;
  const basename = path.basename(ws);
  const varCtx = (containerWs: string, keepContainerEnv = false): VariableContext => ({
    localWorkspaceFolder: ws,
    containerWorkspaceFolder: containerWs,
    env,
    devcontainerId: id,
    keepContainerEnv,
  });
  const early = (s: string) => substitute(s, varCtx(''));

  const unknown = Object.keys(j).filter((k) => !ALL_KEYS.has(k));
  if (unknown.length) notes.push(`devcontainer.json: unknown keys, ignored: ${unknown.join(', ')}`);
  const legacy = Object.keys(j).filter((k) => LEGACY_KEYS[k] && !['dockerFile', 'context'].includes(k));
  for (const k of legacy) notes.push(`devcontainer.json: "${k}" is legacy (now ${LEGACY_KEYS[k]})`);
  const editorOnly = Object.keys(j).filter((k) => EDITOR_ONLY_KEYS.has(k) && !LEGACY_KEYS[k]);
  if (editorOnly.length) notes.push(`devcontainer.json: editor settings ignored: ${editorOnly.join(', ')}`);
  if (j.userEnvProbe !== undefined && j.userEnvProbe !== 'none')
    notes.push(
      'devcontainer.json: userEnvProbe: hooks and terminals get the container environment and remoteEnv (no shell profile is probed)',
    );

  // Workspace folder inside the container
  const wsRaw = optStr(j, 'workspaceFolder');
  const wsFolder = wsRaw !== undefined ? early(wsRaw) : isCompose ? '/' : `/workspaces/${basename}`;
  if (!wsFolder.startsWith('/'))
    throw new UserError(`workspaceFolder must be an absolute path inside the container, got ${wsFolder}`);
  const sub = (s: string) => substitute(s, varCtx(wsFolder));

  // Image, Dockerfile or Compose
  const image = optStr(j, 'image');
  let build: ContainerSpec['build'];
  let compose: ComposeSpec | undefined;
  if (isCompose) {
    compose = composeOf(j, devDir, basename, ws);
    if (image || j.build !== undefined || j.dockerFile !== undefined)
      notes.push('devcontainer.json: image/build are ignored for a Docker Compose config');
    for (const k of ['runArgs', 'appPort', 'workspaceMount'])
      if (j[k] !== undefined) notes.push(`devcontainer.json: ${k} does not apply to a Docker Compose config`);
  } else {
    const b = j.build !== undefined ? obj(j.build, 'build') : undefined;
    const dockerfile = b
      ? (optStr(b, 'dockerfile', 'build.dockerfile') ?? optStr(b, 'dockerFile', 'build.dockerFile'))
      : optStr(j, 'dockerFile');
    if (dockerfile) {
      const ctxRel = (b ? optStr(b, 'context', 'build.context') : optStr(j, 'context')) ?? '.';
      const context = path.resolve(devDir, ctxRel);
      const dfAbs = path.resolve(devDir, dockerfile);
      if (!fs.existsSync(dfAbs)) throw new UserError(`build.dockerfile ${dockerfile} not found (${dfAbs})`);
      const rel = path.relative(context, dfAbs);
      if (rel.startsWith('..'))
        throw new UserError(`the Dockerfile ${dfAbs} is outside the build context ${context}`);
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
        args: mapValues(args, early),
        ...(target ? { target } : {}),
      };
    } else if (!image) {
      throw new UserError('needs "image", "build.dockerfile" or "dockerComposeFile"');
    }
    if (image && build)
      notes.push('devcontainer.json: both image and build given; building (image is ignored)');
  }

  // Workspace mount (compose files mount it themselves: this is then only the path mapping)
  let workspace: SandboxSpec['workspace'] = { hostPath: ws, target: wsFolder, readonly: false };
  const wm = isCompose ? undefined : optStr(j, 'workspaceMount');
  if (wm !== undefined) {
    if (wm === '') workspace = undefined;
    else {
      const m = parseMount(sub(wm), 'workspaceMount');
      if (m.type !== 'bind') throw new UserError('workspaceMount must be a bind mount of the workspace');
      workspace = { hostPath: path.resolve(m.source), target: m.target, readonly: m.readonly };
    }
  }

  const mounts = j.mounts !== undefined ? mountList(j.mounts, 'mounts', sub) : [];
  const containerEnv =
    j.containerEnv !== undefined ? mapValues(strMap(j.containerEnv, 'containerEnv'), sub) : {};
  const remoteEnv =
    j.remoteEnv !== undefined
      ? mapValues(strMap(j.remoteEnv, 'remoteEnv'), (s) => substitute(s, varCtx(wsFolder, true)))
      : {};

  // Ports
  const ports: PortForward[] = [];
  const servicePorts: ServicePort[] = [];
  for (const key of ['forwardPorts', 'appPort'] as const) {
    const v = j[key];
    if (v === undefined) continue;
    for (const p of Array.isArray(v) ? v : [v]) {
      const fwd = parsePort(p, key);
      if ('service' in fwd) {
        if (!compose)
          throw new UserError(`${key}: "${String(p)}" names a service, which needs a Docker Compose config`);
        if (fwd.service === compose.service) ports.push({ container: fwd.port, host: 0, protocol: 'tcp' });
        else servicePorts.push(fwd);
      } else ports.push(fwd);
    }
  }
  let portsAttributes: Record<string, PortAttributes> | undefined;
  if (j.portsAttributes !== undefined) {
    portsAttributes = {};
    for (const [k, v] of Object.entries(obj(j.portsAttributes, 'portsAttributes'))) {
      checkPortKey(k, `portsAttributes["${k}"]`);
      portsAttributes[k] = portAttributes(v, `portsAttributes["${k}"]`, notes);
    }
  }
  // requireLocalPort: the same port number on 127.0.0.1 (the engine refuses if it is taken).
  for (const [i, p] of ports.entries())
    if (!p.host && attributesFor(p.container, portsAttributes, undefined)?.requireLocalPort)
      ports[i] = { ...p, host: p.container };
  const otherPortsAttributes =
    j.otherPortsAttributes !== undefined
      ? portAttributes(j.otherPortsAttributes, 'otherPortsAttributes', notes)
      : undefined;

  // runArgs (the safe subset), then the top-level privilege keys
  const runArgs = !isCompose && j.runArgs !== undefined ? strList(j.runArgs, 'runArgs') : [];
  let safe;
  try {
    safe = parseRunArgs(runArgs.map(sub));
  } catch (e) {
    if (e instanceof RunArgsError) throw new UserError(e.message);
    throw e;
  }
  const capAdd = [...safe.capAdd];
  const extraCaps: string[] = [];
  for (const c of j.capAdd !== undefined ? strList(j.capAdd, 'capAdd') : []) {
    const cap = c.toUpperCase().replace(/^CAP_/, '');
    if (SAFE_CAPS.has(cap)) capAdd.push(cap);
    else extraCaps.push(cap);
  }
  const privileged = optBool(j, 'privileged') === true;
  const securityOpt = j.securityOpt !== undefined ? strList(j.securityOpt, 'securityOpt') : [];
  const privilegeRequests: PrivilegeRequest[] =
    privileged || extraCaps.length || securityOpt.length
      ? [
          {
            origin: 'devcontainer.json',
            ...(privileged ? { privileged } : {}),
            ...(extraCaps.length ? { capAdd: extraCaps } : {}),
            ...(securityOpt.length ? { securityOpt } : {}),
          },
        ]
      : [];

  // Host requirements (minimums, checked before launch; also the sandbox's limits when runArgs set none)
  const hostRequirements =
    j.hostRequirements !== undefined ? hostRequirementsOf(j.hostRequirements) : undefined;

  const lifecycle = lifecycleOf(j, 'devcontainer.json');
  const initializeCommand = lifecycleCommand(j.initializeCommand, 'initializeCommand');
  const waitFor = optStr(j, 'waitFor');
  if (waitFor !== undefined && !(HOOK_NAMES as readonly string[]).includes(waitFor))
    throw new UserError(`waitFor must be one of ${HOOK_NAMES.join(', ')}, got "${waitFor}"`);
  if (waitFor === 'postAttachCommand')
    notes.push('devcontainer.json: waitFor postAttachCommand: the launch waits for postStartCommand');
  const shutdownAction = optStr(j, 'shutdownAction');
  if (shutdownAction !== undefined && !['none', 'stopContainer', 'stopCompose'].includes(shutdownAction))
    throw new UserError(`shutdownAction must be none, stopContainer or stopCompose, got "${shutdownAction}"`);
  if (shutdownAction === 'stopCompose' && !compose)
    throw new UserError('shutdownAction stopCompose needs a Docker Compose config');

  const overrideCommand = optBool(j, 'overrideCommand') ?? !isCompose;
  const init = safe.init || optBool(j, 'init') === true;
  const name = optStr(j, 'name') !== undefined ? early(optStr(j, 'name') ?? '') : basename;
  const containerUser = optStr(j, 'containerUser');
  const remoteUser = optStr(j, 'remoteUser');
  const cpus = safe.cpus ?? hostRequirements?.cpus;
  const memoryBytes = safe.memoryBytes ?? hostRequirements?.memoryBytes;
  const container: ContainerSpec = {
    name: 'dev',
    ...(build ? { build } : image && !compose ? { image } : {}),
    keepAlive: overrideCommand,
    env: { ...containerEnv, ...safe.env },
    ports,
    limits: {
      ...(cpus ? { cpus } : {}),
      ...(memoryBytes ? { memoryBytes } : {}),
      pids: safe.pids ?? DEFAULT_PIDS,
    },
    ...(workspace ? { workingDir: workspace.target } : {}),
    ...(containerUser ? { user: sub(containerUser) } : {}),
  };
  if (servicePorts.length && compose) compose = { ...compose, servicePorts };
  const features = featuresOf(j, devDir);
  const updateRemoteUserUID = optBool(j, 'updateRemoteUserUID');
  return {
    name: nameForWorkspace(ws),
    source: { kind: 'devcontainer', label: name, file },
    containers: [container],
    ...(workspace ? { workspace } : {}),
    mounts,
    ...(remoteUser ? { remoteUser: sub(remoteUser) } : {}),
    remoteEnv,
    lifecycle,
    ...(initializeCommand ? { initializeCommand } : {}),
    ...(waitFor ? { waitFor: waitFor as HookName } : {}),
    devcontainerId: id,
    ...(features ? { features } : {}),
    ...(compose ? { compose } : {}),
    ...(hostRequirements ? { hostRequirements } : {}),
    ...(portsAttributes ? { portsAttributes } : {}),
    ...(otherPortsAttributes ? { otherPortsAttributes } : {}),
    ...(shutdownAction ? { shutdownAction: shutdownAction as SandboxSpec['shutdownAction'] } : {}),
    ...(updateRemoteUserUID !== undefined ? { updateRemoteUserUID } : {}),
    capAdd,
    ...(privilegeRequests.length ? { privilegeRequests } : {}),
    extraHosts: safe.extraHosts,
    init,
    ...(safe.shmSizeBytes ? { shmSizeBytes: safe.shmSizeBytes } : {}),
    ...(safe.hostname ? { hostname: safe.hostname } : {}),
    labels: safe.labels,
    notes,
  };
}

function composeOf(j: Json, devDir: string, basename: string, ws: string): ComposeSpec {
  const files = strOrList(j.dockerComposeFile, 'dockerComposeFile').map((f) => path.resolve(devDir, f));
  if (!files.length) throw new UserError('dockerComposeFile must name at least one file');
  for (const f of files) if (!fs.existsSync(f)) throw new UserError(`dockerComposeFile ${f} does not exist`);
  const service = optStr(j, 'service');
  if (!service) throw new UserError('a Docker Compose config needs "service" (the service to work in)');
  const runServices = j.runServices !== undefined ? strList(j.runServices, 'runServices') : [];
  if (runServices.length && !runServices.includes(service)) runServices.push(service);
  const first = files[0] ?? devDir;
  // Compose project names: lowercase letters, digits, - and _; one per workspace (like the sandbox name).
  const project = `pv-${sandboxName(basename, ws).replace(/[^a-z0-9_-]/g, '-')}`;
  return { files, project, service, runServices, workingDir: path.dirname(first) };
}

function featuresOf(j: Json, configDir: string): SandboxSpec['features'] {
  if (j.features === undefined) return undefined;
  const refs: FeatureRef[] = [];
  for (const [id, v] of Object.entries(obj(j.features, 'features'))) {
    let options: Record<string, string | boolean> = {};
    if (typeof v === 'string') options = { version: v };
    else if (v === true) options = {};
    else if (v === false) continue;
    else
      for (const [k, x] of Object.entries(obj(v, `features["${id}"]`))) {
        if (typeof x === 'string' || typeof x === 'boolean') options[k] = x;
        else if (typeof x === 'number') options[k] = String(x);
        else throw new UserError(`features["${id}"].${k} must be a string or true/false`);
      }
    refs.push({ id, options });
  }
  const overrideOrder =
    j.overrideFeatureInstallOrder !== undefined
      ? strList(j.overrideFeatureInstallOrder, 'overrideFeatureInstallOrder')
      : [];
  if (!refs.length) return undefined;
  return { configDir, refs, overrideOrder };
}

function hostRequirementsOf(v: unknown): HostRequirements {
  const hr = obj(v, 'hostRequirements');
  const size = (k: string): number | undefined => {
    if (hr[k] === undefined) return undefined;
    const n = typeof hr[k] === 'string' ? parseDockerSize(hr[k]) : undefined;
    if (n === undefined) throw new UserError(`hostRequirements.${k} must be a size like "4gb"`);
    return n;
  };
  let cpus: number | undefined;
  if (hr.cpus !== undefined) {
    if (typeof hr.cpus !== 'number' || !(hr.cpus > 0))
      throw new UserError('hostRequirements.cpus must be a positive number');
    cpus = hr.cpus;
  }
  let gpu: HostRequirements['gpu'];
  if (hr.gpu !== undefined) {
    if (hr.gpu === true || hr.gpu === false || hr.gpu === 'optional') gpu = hr.gpu;
    else if (typeof hr.gpu === 'object' && hr.gpu !== null) gpu = true;
    else throw new UserError('hostRequirements.gpu must be true, false, "optional" or an object');
  }
  const memoryBytes = size('memory');
  const storageBytes = size('storage');
  return {
    ...(cpus !== undefined ? { cpus } : {}),
    ...(memoryBytes !== undefined ? { memoryBytes } : {}),
    ...(storageBytes !== undefined ? { storageBytes } : {}),
    ...(gpu !== undefined ? { gpu } : {}),
  };
}
