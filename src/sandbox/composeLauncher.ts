/**
 * Compose-based devcontainers through the real Compose CLI (backends/docker/compose.ts): the
 * project's own files plus an override Podvisor writes, so every service runs with the level's
 * runtime and the sandbox hardening (capabilities dropped, no-new-privileges, a pids limit,
 * Podvisor's labels), and the dev service also gets the features image, containerEnv, mounts,
 * the keep-alive command and its forwarded ports on 127.0.0.1. The normalized config (`config`)
 * is read first: a missing service, or a service that asks for the host (privileged, host
 * network or pid, devices, the engine socket), is refused before anything starts.
 */
import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';
import {
  Compose,
  resolveComposeCli,
  type ComposeEnv,
  type ComposeProject,
  type ComposeSetting,
} from '../backends/docker/compose';
import { UserError } from '../common/errors';
import { SAFE_CAPS } from './devcontainer';
import { mountObject } from './devcontainer/mounts';
import { DEV_CAPS, keepAliveArgs, KEEP_ALIVE, DEFAULT_CPUS, DEFAULT_MEMORY } from './hardening';
import { ensureImage, prepareImage, type ImagePrepOptions } from './imagePrep';
import { LABEL } from './names';
import type { LaunchContext, PhaseRunner } from './phases';
import type { ComposeSpec, IsolationLevel, PrivilegeRequest, SandboxSpec } from './types';

export interface ComposeOptions {
  readonly env: ComposeEnv;
  readonly setting: ComposeSetting;
  /** Where override files are kept (the project is addressed with them until it is removed). */
  readonly stateDir: string;
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

export function overridePath(stateDir: string, project: string): string {
  return path.join(stateDir, 'compose', `${project}.podvisor.json`);
}

/** The project as the CLI addresses it: the user's files and, while it exists, our override. */
export function projectOf(c: ComposeSpec, stateDir: string): ComposeProject {
  const ov = overridePath(stateDir, c.project);
  return {
    name: c.project,
    files: [...c.files, ...(fs.existsSync(ov) ? [ov] : [])],
    workingDir: c.workingDir,
  };
}

async function cli(o: ComposeOptions, signal?: AbortSignal): Promise<Compose> {
  return new Compose(await resolveComposeCli(o.env, o.setting, signal), o.env);
}

/** The normalized config (`config --format json` on v2; YAML from v1). */
async function normalized(
  compose: Compose,
  o: ComposeOptions,
  p: ComposeProject,
  signal?: AbortSignal,
): Promise<Obj> {
  const r = await o.env.runner.run(
    {
      command: compose.cli.command,
      args: [
        ...compose.cli.prefix,
        '-p',
        p.name ?? '',
        ...(p.files ?? []).flatMap((f) => ['-f', f]),
        '--project-directory',
        p.workingDir ?? '.',
        'config',
        ...(compose.cli.flavor === 'v2' ? ['--format', 'json'] : []),
      ],
      env: {
        ...o.env.env,
        DOCKER_HOST: o.env.engine.host,
        COMPOSE_PROJECT_NAME: undefined,
      },
      label: 'docker compose config',
      timeoutMs: 60_000,
    },
    signal,
  );
  const x: unknown = compose.cli.flavor === 'v2' ? JSON.parse(r.stdout) : YAML.parse(r.stdout);
  if (!isObj(x) || !isObj(x.services)) throw new UserError('Compose config has no services');
  return x;
}

/** The bind mounts of a normalized service (long form on v2, `src:dst[:mode]` on v1). */
function binds(svc: Obj): Array<{ source: string; target: string; readonly: boolean }> {
  const out: Array<{ source: string; target: string; readonly: boolean }> = [];
  for (const v of Array.isArray(svc.volumes) ? svc.volumes : []) {
    if (isObj(v) && v.type === 'bind' && typeof v.source === 'string' && typeof v.target === 'string')
      out.push({ source: v.source, target: v.target, readonly: v.read_only === true });
    else if (typeof v === 'string') {
      const [source = '', target = '', mode = ''] = v.split(':');
      if (source.startsWith('/')) out.push({ source, target, readonly: mode.split(',').includes('ro') });
    }
  }
  return out;
}

/** What a service asks for that the hardening refuses outright, or as a privilege request. */
function checkService(name: string, svc: Obj, notes: string[]): PrivilegeRequest | undefined {
  const where = `Compose service ${name}`;
  for (const k of ['network_mode', 'pid', 'ipc', 'userns_mode', 'uts'])
    if (svc[k] === 'host')
      throw new UserError(`${where}: ${k}: host shares a host namespace with the sandbox; refused`);
  if (Array.isArray(svc.devices) && svc.devices.length)
    throw new UserError(`${where}: devices: host devices are not passed into a sandbox`);
  for (const b of binds(svc))
    mountObject({ type: 'bind', source: b.source, target: b.target }, where, (s) => s);
  for (const p of (Array.isArray(svc.ports) ? svc.ports : []) as unknown[]) {
    const ip = isObj(p)
      ? p.host_ip
      : typeof p === 'string' && /^\d+\.\d+\.\d+\.\d+:/.test(p)
        ? p.split(':')[0]
        : undefined;
    const published: unknown = isObj(p) ? p.published : p;
    if (published !== undefined && published !== '' && (ip === undefined || ip === '0.0.0.0' || ip === '::'))
      notes.push(
        `${where} publishes ${isObj(p) ? String(p.target) : String(p)} on every interface (its compose file); Podvisor publishes what it forwards on 127.0.0.1 only`,
      );
  }
  const caps = (Array.isArray(svc.cap_add) ? svc.cap_add : [])
    .filter((c): c is string => typeof c === 'string')
    .map((c) => c.toUpperCase().replace(/^CAP_/, ''));
  const extra = caps.filter((c) => !SAFE_CAPS.has(c) && !(DEV_CAPS as readonly string[]).includes(c));
  const sec = (Array.isArray(svc.security_opt) ? svc.security_opt : []).filter(
    (s): s is string => typeof s === 'string',
  );
  if (svc.privileged === true || extra.length || sec.length)
    return {
      origin: `compose:${name}`,
      ...(svc.privileged === true ? { privileged: true } : {}),
      ...(extra.length ? { capAdd: extra } : {}),
      ...(sec.length ? { securityOpt: sec } : {}),
    };
  return undefined;
}

/** `$` is Compose's interpolation character in every value of a file: our values are literal. */
function literal(x: unknown): unknown {
  if (typeof x === 'string') return x.replace(/\$/g, '$$$$');
  if (Array.isArray(x)) return x.map(literal);
  if (isObj(x)) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, literal(v)]));
  return x;
}

export interface ComposeLaunch {
  readonly spec: SandboxSpec;
  readonly mainId: string;
  readonly image: string;
  readonly built: readonly string[];
}

export async function launchCompose(
  client: import('../backends/docker/client').DockerClient,
  o: ComposeOptions,
  spec: SandboxSpec,
  level: IsolationLevel,
  runtime: string,
  phases: PhaseRunner,
  ctx: LaunchContext,
  imageOpts: ImagePrepOptions,
  onUndo: (undo: () => Promise<void>) => void,
): Promise<ComposeLaunch> {
  const c = spec.compose;
  const [dev] = spec.containers;
  if (!c || !dev) throw new UserError(`Sandbox ${spec.name} is not a Compose config`);
  const notes: string[] = [];
  const compose = await phases.run('prepare', 'the Compose CLI and config', () => cli(o, ctx.signal));
  const base: ComposeProject = { name: c.project, files: c.files, workingDir: c.workingDir };
  await compose.check(base, { ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const cfg = await normalized(compose, o, base, ctx.signal);
  const services = cfg.services as Obj;
  const names = Object.keys(services);
  for (const s of [c.service, ...c.runServices])
    if (!names.includes(s))
      throw new UserError(
        `The Compose service "${s}" is not in ${c.files.map((f) => path.basename(f)).join(', ')} (it has: ${names.join(', ') || 'no services'})`,
      );
  const started = c.runServices.length ? c.runServices : names;
  const requests: PrivilegeRequest[] = [];
  for (const n of started) {
    const r = checkService(n, services[n] as Obj, notes);
    if (r) requests.push(r);
  }
  const refused = requests.filter(
    (r) => !(ctx.allowPrivileges ?? []).some((a) => a === '*' || a === r.origin),
  );
  if (refused.length)
    throw new UserError(
      `Podvisor's sandbox hardening refuses ${refused.map((r) => `${r.origin} asking for ${[r.privileged ? 'privileged mode' : '', ...(r.capAdd ?? []), ...(r.securityOpt ?? [])].filter(Boolean).join(', ')}`).join('; ')}. To allow it, add ${refused.map((r) => JSON.stringify(r.origin)).join(', ')} to the user setting podvisor.sandbox.allowPrivileges.`,
    );

  // Images: built by Compose where a service builds, found (or pulled, never a local-only name) otherwise.
  const devSvc = services[c.service] as Obj;
  const building = started.filter((n) => isObj((services[n] as Obj).build));
  if (building.length)
    await phases.run('build', `compose build ${building.join(' ')}`, () =>
      compose.exec(base, 'build', ['--', ...building], {
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        onLine: (l) => {
          ctx.output?.(l + '\n');
          ctx.log.info(`[compose build] ${l}`);
        },
      }),
    );
  await phases.run('pull', 'service images', async () => {
    for (const n of started) {
      const img = (services[n] as Obj).image;
      if (!building.includes(n) && typeof img === 'string') await ensureImage(client, img, ctx);
    }
  });
  const devImage =
    typeof devSvc.image === 'string'
      ? devSvc.image
      : `${c.project}${compose.cli.flavor === 'v2' ? '-' : '_'}${c.service}`;
  const prep = await prepareImage(client, spec, { ...dev, image: devImage }, phases, ctx, imageOpts);
  const eff0 = prep.spec;

  // Where the workspace is inside the dev service (its bind of the folder or a parent), for path mapping.
  const ws = spec.workspace?.hostPath;
  const wsTarget = dev.workingDir ?? spec.workspace?.target ?? '/';
  let workspace = spec.workspace;
  for (const b of binds(devSvc))
    if (ws && (ws === b.source || ws.startsWith(b.source + path.sep))) {
      workspace = {
        hostPath: ws,
        target: path.posix.join(b.target, path.relative(b.source, ws).split(path.sep).join('/')),
        readonly: b.readonly,
      };
      break;
    }
  const eff: SandboxSpec = {
    ...eff0,
    ...(workspace ? { workspace } : {}),
    containers: [{ ...eff0.containers[0]!, workingDir: wsTarget }],
    notes: [...eff0.notes, ...notes],
  };

  // The override: hardening and labels for every service; the dev service's own settings.
  const over: Record<string, Obj> = {};
  for (const [i, n] of [c.service, ...started.filter((s) => s !== c.service)].entries()) {
    const mine = requests.find((r) => r.origin === `compose:${n}`);
    const svc: Obj = {
      runtime,
      ...(mine?.privileged
        ? { privileged: true }
        : { cap_drop: ['ALL'], cap_add: [...DEV_CAPS, ...(mine?.capAdd ?? [])] }),
      security_opt: ['no-new-privileges:true'],
      pids_limit: dev.limits.pids,
      labels: {
        [LABEL.sandbox]: spec.name,
        [LABEL.level]: level,
        [LABEL.role]: n,
        [LABEL.index]: String(i),
        [LABEL.source]: JSON.stringify(spec.source),
      },
    };
    const fwd = (c.servicePorts ?? []).filter((p) => p.service === n).map((p) => `127.0.0.1::${p.port}`);
    if (fwd.length) svc.ports = fwd;
    over[n] = svc;
  }
  const d = over[c.service]!;
  const env = dev.env;
  Object.assign(d, {
    image: prep.image,
    ...(Object.keys(env).length ? { environment: env } : {}),
    ...(eff.mounts.length
      ? {
          volumes: eff.mounts.map((m) => ({
            type: m.type,
            ...(m.type === 'tmpfs' ? {} : { source: m.source }),
            target: m.target,
            read_only: m.readonly,
          })),
        }
      : {}),
    ...(dev.keepAlive
      ? { entrypoint: [KEEP_ALIVE[0]], command: keepAliveArgs(eff.containers[0]?.entrypoints) }
      : {}),
    ...(eff.init ? { init: true } : {}),
    ...(eff.privileged ? { privileged: true } : {}),
    ...(eff.capAdd.length && !eff.privileged ? { cap_add: [...DEV_CAPS, ...eff.capAdd] } : {}),
    ...(eff.securityOpt?.length ? { security_opt: ['no-new-privileges:true', ...eff.securityOpt] } : {}),
    mem_limit: dev.limits.memoryBytes ?? DEFAULT_MEMORY,
    cpus: dev.limits.cpus ?? DEFAULT_CPUS,
    ...(dev.ports.length
      ? {
          ports: [
            ...((d.ports as string[] | undefined) ?? []),
            ...dev.ports.map((p) => `127.0.0.1:${p.host || ''}:${p.container}/${p.protocol}`),
          ],
        }
      : {}),
  });
  (d.labels as Obj)[LABEL.spec] = JSON.stringify(eff);
  if (eff.workspace) {
    (d.labels as Obj)[LABEL.workspace] = eff.workspace.hostPath;
    (d.labels as Obj)[LABEL.workspaceTarget] = eff.workspace.target;
  }
  const ov = overridePath(o.stateDir, c.project);
  fs.mkdirSync(path.dirname(ov), { recursive: true });
  fs.writeFileSync(ov, JSON.stringify(literal({ services: over }), null, 2));
  const project: ComposeProject = { ...base, files: [...c.files, ov] };
  onUndo(async () => {
    await compose
      .exec(project, 'down', ['--remove-orphans', '--volumes', '--rmi', 'local'], {})
      .catch(() => undefined);
    fs.rmSync(ov, { force: true });
  });
  await phases.run('create', `compose up ${started.join(' ')}`, () =>
    compose.up(project, {
      services: c.runServices,
      hadContainers: true,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onLine: (l) => {
        ctx.output?.(l + '\n');
        ctx.log.info(`[compose up] ${l}`);
      },
    }),
  );
  const mine = await client.listContainers({
    labels: { [LABEL.sandbox]: spec.name, 'com.docker.compose.service': c.service },
  });
  const main = mine[0];
  if (!main) throw new UserError(`Compose started no container for service ${c.service}`);
  if (main.rawState !== 'running')
    throw new UserError(`The Compose service ${c.service} is ${main.rawState} (see its logs)`);
  return { spec: eff, mainId: main.id, image: prep.image, built: prep.built };
}

/** `compose start` of a sandbox's project (restart). */
export async function composeStart(o: ComposeOptions, c: ComposeSpec, ctx: LaunchContext): Promise<void> {
  const compose = await cli(o, ctx.signal);
  await compose.start(projectOf(c, o.stateDir), { ...(ctx.signal ? { signal: ctx.signal } : {}) });
}

export async function composeStop(
  o: ComposeOptions,
  c: ComposeSpec,
  services: readonly string[] = [],
): Promise<void> {
  const compose = await cli(o);
  await compose.stop(projectOf(c, o.stateDir), { services });
}

/** Takes the project down (containers, networks, images Compose built); named volumes stay, as with Dev Containers. */
export async function composeDown(o: ComposeOptions, c: ComposeSpec): Promise<void> {
  const compose = await cli(o);
  await compose.exec(projectOf(c, o.stateDir), 'down', ['--remove-orphans', '--rmi', 'local'], {});
  fs.rmSync(overridePath(o.stateDir, c.project), { force: true });
}
