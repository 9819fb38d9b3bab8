import { parseAllDocuments } from 'yaml';
import { UserError } from '../common/errors';
import { sandboxName } from './names';
import {
  EMPTY_SPEC_EXTRAS,
  type ContainerSpec,
  type IsolationLevel,
  type PortForward,
  type SandboxSpec,
} from './types';
import { parseKubeCpu, parseKubeMemory } from './units';
import { textOf } from '../common/text';

/** Workload kinds whose pod template is run (the first replica only). */
const WORKLOADS: Record<string, (o: Record<string, unknown>) => unknown> = {
  Pod: (o) => o.spec,
  Deployment: (o) => tmpl(o.spec),
  ReplicaSet: (o) => tmpl(o.spec),
  StatefulSet: (o) => tmpl(o.spec),
  DaemonSet: (o) => tmpl(o.spec),
  Job: (o) => tmpl(o.spec),
  CronJob: (o) => tmpl(rec(rec(o.spec)?.jobTemplate)?.spec),
};
function tmpl(spec: unknown): unknown {
  return rec(rec(spec)?.template)?.spec;
}
function rec(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

export interface YamlDoc {
  readonly file: string;
  readonly index: number;
  readonly value: Record<string, unknown>;
}

/** Every YAML document of a file's text as plain objects (documents that fail to parse are skipped). */
export function yamlDocs(file: string, text: string): YamlDoc[] {
  return parseAllDocuments(text).flatMap((d, index) => {
    if (d.errors.length) return [];
    const value = rec(d.toJS());
    return value ? [{ file, index, value }] : [];
  });
}

/** The isolation level for a RuntimeClass handler; undefined for one Podvisor can't run. */
export function levelForHandler(handler: string): IsolationLevel | undefined {
  if (handler === 'runc' || handler === 'crun') return 'container';
  if (handler === 'runsc' || handler === 'gvisor') return 'gvisor';
  if (/^kata/.test(handler)) return 'kata';
  return undefined;
}

export interface PodPlan {
  readonly spec: SandboxSpec;
  readonly level: IsolationLevel;
  readonly runtimeClass?: { name: string; handler: string; file: string };
}

/**
 * A Pod (or workload) manifest → a sandbox that runs its containers with the runtime its
 * RuntimeClass names. `runtimeClasses` are the RuntimeClass documents of the same file first,
 * then of the workspace.
 */
export function podPlan(doc: YamlDoc, runtimeClasses: readonly YamlDoc[]): PodPlan {
  const kind = typeof doc.value.kind === 'string' ? doc.value.kind : '';
  const meta = rec(doc.value.metadata) ?? {};
  const podName = typeof meta.name === 'string' ? meta.name : 'pod';
  const where = `${doc.file} (document ${doc.index + 1}, ${kind} ${podName})`;
  const get = WORKLOADS[kind];
  if (!get)
    throw new UserError(
      `${where}: ${kind || 'this document'} is not a Pod or a workload with a pod template`,
    );
  const pod = rec(get(doc.value));
  if (!pod) throw new UserError(`${where}: no pod spec`);
  const notes: string[] = [];
  if (kind !== 'Pod')
    notes.push(`${kind}: one replica is run locally (replicas, selectors and rollout settings are ignored)`);

  let level: IsolationLevel = 'container';
  let runtimeClass: PodPlan['runtimeClass'];
  const rcName = pod.runtimeClassName;
  if (rcName !== undefined) {
    if (typeof rcName !== 'string' || !rcName)
      throw new UserError(`${where}: runtimeClassName must be a string`);
    const rc = runtimeClasses.find(
      (d) => d.value.kind === 'RuntimeClass' && rec(d.value.metadata)?.name === rcName,
    );
    if (!rc)
      throw new UserError(
        `${where}: RuntimeClass "${rcName}" is not defined in this file or the workspace; add one (kind: RuntimeClass, handler: runsc or kata) or remove runtimeClassName`,
      );
    const handler = rc.value.handler;
    if (typeof handler !== 'string' || !handler)
      throw new UserError(`${rc.file}: RuntimeClass "${rcName}" has no handler`);
    const l = levelForHandler(handler);
    if (!l)
      throw new UserError(
        `${where}: RuntimeClass "${rcName}" uses handler "${handler}", which Podvisor cannot run locally (known: runc, runsc → gVisor, kata* → Kata)`,
      );
    level = l;
    runtimeClass = { name: rcName, handler, file: rc.file };
    const extra = Object.keys(rc.value).filter(
      (k) => !['apiVersion', 'kind', 'metadata', 'handler'].includes(k),
    );
    if (extra.length) notes.push(`RuntimeClass ${rcName}: ignored locally: ${extra.join(', ')}`);
  }

  const list = pod.containers;
  if (!Array.isArray(list) || !list.length) throw new UserError(`${where}: spec.containers is empty`);
  const podIgnored = Object.keys(pod).filter(
    (k) => !['containers', 'runtimeClassName', 'restartPolicy', 'terminationGracePeriodSeconds'].includes(k),
  );
  if (podIgnored.length) notes.push(`Pod spec fields not run locally: ${podIgnored.join(', ')}`);
  const seenPorts = new Set<number>();
  const allPorts: PortForward[] = [];
  const containers: ContainerSpec[] = list.map((raw: unknown, i: number) => {
    const c = rec(raw);
    const cw = `${where}: containers[${i}]`;
    if (!c) throw new UserError(`${cw} is not an object`);
    const name =
      typeof c.name === 'string' && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(c.name) ? c.name : undefined;
    if (!name) throw new UserError(`${cw}: needs a valid name`);
    if (typeof c.image !== 'string' || !c.image) throw new UserError(`${cw} (${name}): needs an image`);
    const strs = (v: unknown, k: string): string[] | undefined => {
      if (v === undefined) return undefined;
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' || typeof x === 'number'))
        throw new UserError(`${cw} (${name}): ${k} must be a list of strings`);
      return v.map(String);
    };
    const env: Record<string, string> = {};
    if (c.env !== undefined) {
      if (!Array.isArray(c.env)) throw new UserError(`${cw} (${name}): env must be a list`);
      for (const e of c.env) {
        const er = rec(e);
        if (typeof er?.name !== 'string') continue;
        if (er.valueFrom !== undefined)
          notes.push(
            `${name}: env ${er.name} uses valueFrom (secrets, config maps, field refs), not available locally; left unset`,
          );
        else env[er.name] = textOf(er.value);
      }
    }
    const ports = allPorts;
    for (const p of Array.isArray(c.ports) ? c.ports : []) {
      const pr = rec(p);
      const cp = pr?.containerPort;
      if (typeof cp !== 'number' || seenPorts.has(cp)) continue;
      seenPorts.add(cp);
      const proto = pr?.protocol === 'UDP' ? 'udp' : 'tcp';
      ports.push({
        container: cp,
        host: typeof pr?.hostPort === 'number' ? pr.hostPort : 0,
        protocol: proto,
      });
    }
    const limits = rec(rec(c.resources)?.limits) ?? rec(rec(c.resources)?.requests) ?? {};
    const cpus = parseKubeCpu(limits.cpu);
    const mem = parseKubeMemory(limits.memory);
    const ignored = Object.keys(c).filter(
      (k) =>
        ![
          'name',
          'image',
          'command',
          'args',
          'env',
          'ports',
          'resources',
          'workingDir',
          'imagePullPolicy',
        ].includes(k),
    );
    if (ignored.length) notes.push(`${name}: not run locally: ${ignored.join(', ')}`);
    const command = strs(c.command, 'command');
    const args = strs(c.args, 'args');
    return {
      name,
      image: c.image,
      // Kubernetes: command replaces ENTRYPOINT, args replaces CMD.
      ...(command ? { entrypoint: command } : {}),
      ...(args ? { command: args } : command ? { command: [] } : {}),
      keepAlive: false,
      env,
      ports: [],
      limits: { ...(cpus ? { cpus } : {}), ...(mem ? { memoryBytes: mem } : {}), pids: 1024 },
      ...(typeof c.workingDir === 'string' ? { workingDir: c.workingDir } : {}),
    };
  });
  // All containers of a pod share one network namespace: every port is published on the first.
  const cleaned: ContainerSpec[] = containers.map((c, i) => ({ ...c, ports: i === 0 ? allPorts : [] }));
  const ns = typeof meta.namespace === 'string' ? meta.namespace : 'default';
  return {
    spec: {
      name: sandboxName(`pod-${podName}`, `${doc.file}#${doc.index}`),
      source: {
        kind: 'pod',
        label: `${kind}/${podName}${ns !== 'default' ? ` (${ns})` : ''}`,
        file: doc.file,
        documentIndex: doc.index,
      },
      containers: cleaned,
      ...EMPTY_SPEC_EXTRAS,
      notes,
    },
    level,
    ...(runtimeClass ? { runtimeClass } : {}),
  };
}
