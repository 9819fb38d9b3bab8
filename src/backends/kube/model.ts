/**
 * The Clusters model: one small summary per object, parsed (runtime-checked) from what the API
 * server returns. The model keeps summaries, never whole objects (6,000 objects stay a few MB);
 * the live YAML of one object is fetched when the user opens it.
 */
import type { ResourceKey } from './resources';
import { textOf } from '../../common/text';

export interface VmSummary {
  readonly kind: 'vm';
  readonly printableStatus: string;
  /** spec.runStrategy, or what the deprecated spec.running means ('' when neither is set). */
  readonly runStrategy: string;
  readonly ready: boolean;
  readonly instancetype: string;
  readonly preference: string;
}

export interface VmiSummary {
  readonly kind: 'vmi';
  readonly phase: string;
  readonly node: string;
  readonly ips: readonly string[];
  readonly paused: boolean;
}

export interface PodSummary {
  readonly kind: 'pod';
  /** The phase, or "Terminating" once deletion started. */
  readonly phase: string;
  readonly restarts: number;
  readonly node: string;
  readonly runtimeClassName: string;
  readonly containers: readonly string[];
  readonly ready: string; // "1/2"
  readonly ips: readonly string[];
}

export interface RuntimeClassSummary {
  readonly kind: 'runtimeclass';
  readonly handler: string;
}

export interface DataVolumeSummary {
  readonly kind: 'datavolume';
  readonly phase: string;
  readonly progress: string;
}

export interface InstancetypeSummary {
  readonly kind: 'instancetype';
  readonly cpu: string;
  readonly memory: string;
}

export interface PlainSummary {
  readonly kind: 'plain';
  /** One short line for the tree (a namespace's phase, a storage class's provisioner). */
  readonly text: string;
}

export type Summary =
  | VmSummary
  | VmiSummary
  | PodSummary
  | RuntimeClassSummary
  | DataVolumeSummary
  | InstancetypeSummary
  | PlainSummary;

export interface KubeItem {
  /** `resource/namespace/name` ('' namespace for cluster-scoped). */
  readonly id: string;
  readonly resource: ResourceKey;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly created: string;
  readonly summary: Summary;
}

export function itemId(resource: ResourceKey, namespace: string, name: string): string {
  return `${resource}/${namespace}/${name}`;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function condition(status: Obj, type: string): string {
  const c = arr(status.conditions)
    .map(obj)
    .find((x) => x.type === type);
  return c ? str(c.status) : '';
}

function summarize(resource: ResourceKey, o: Obj): Summary {
  const spec = obj(o.spec);
  const status = obj(o.status);
  switch (resource) {
    case 'virtualmachines': {
      const running = spec.running;
      return {
        kind: 'vm',
        printableStatus: str(status.printableStatus),
        runStrategy:
          str(spec.runStrategy) || (running === true ? 'Always' : running === false ? 'Halted' : ''),
        ready: status.ready === true || condition(status, 'Ready') === 'True',
        instancetype: str(obj(spec.instancetype).name),
        preference: str(obj(spec.preference).name),
      };
    }
    case 'virtualmachineinstances': {
      const ips = new Set<string>();
      for (const i of arr(status.interfaces).map(obj)) {
        if (str(i.ipAddress)) ips.add(str(i.ipAddress));
        for (const a of arr(i.ipAddresses)) if (str(a)) ips.add(str(a));
      }
      return {
        kind: 'vmi',
        phase: str(status.phase),
        node: str(status.nodeName),
        ips: [...ips],
        paused: condition(status, 'Paused') === 'True',
      };
    }
    case 'pods': {
      const statuses = arr(status.containerStatuses).map(obj);
      const containers = arr(spec.containers)
        .map(obj)
        .map((c) => str(c.name))
        .filter(Boolean);
      const meta = obj(o.metadata);
      return {
        kind: 'pod',
        phase: meta.deletionTimestamp ? 'Terminating' : str(status.phase),
        restarts: statuses.reduce((n, c) => n + num(c.restartCount), 0),
        node: str(spec.nodeName),
        runtimeClassName: str(spec.runtimeClassName),
        containers,
        ready: `${statuses.filter((c) => c.ready === true).length}/${containers.length}`,
        ips: arr(status.podIPs)
          .map(obj)
          .map((p) => str(p.ip))
          .filter(Boolean),
      };
    }
    case 'runtimeclasses':
      return { kind: 'runtimeclass', handler: str(o.handler) };
    case 'datavolumes':
      return { kind: 'datavolume', phase: str(status.phase), progress: str(status.progress) };
    case 'instancetypes':
    case 'clusterinstancetypes':
      return {
        kind: 'instancetype',
        cpu: textOf(obj(spec.cpu).guest),
        memory: str(obj(spec.memory).guest),
      };
    case 'namespaces':
      return { kind: 'plain', text: str(status.phase) };
    case 'storageclasses':
      return { kind: 'plain', text: str(o.provisioner) };
    default:
      return { kind: 'plain', text: '' };
  }
}

/** Parses one object of `resource` as the API server returned it; undefined when it has no name. */
export function toItem(resource: ResourceKey, raw: unknown): KubeItem | undefined {
  const o = obj(raw);
  const meta = obj(o.metadata);
  const name = str(meta.name);
  if (!name) return undefined;
  const namespace = str(meta.namespace);
  return {
    id: itemId(resource, namespace, name),
    resource,
    namespace,
    name,
    uid: str(meta.uid),
    resourceVersion: str(meta.resourceVersion),
    created: str(meta.creationTimestamp),
    summary: summarize(resource, o),
  };
}
