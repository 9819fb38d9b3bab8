/**
 * What a user does to cluster objects. VM lifecycle goes through KubeVirt's subresource API
 * (`subresources.kubevirt.io/v1`, served by virt-api through the aggregation layer), as virtctl
 * does; when that API is not served, start and stop fall back to patching `spec.runStrategy`
 * (which KubeVirt's controller acts on) and say so. Everything else is a plain API call.
 */
import { UserError } from '../../common/errors';
import { isKubeApiError } from './errors';
import type { KubeHttp } from './http';
import { objectPath, RESOURCES, type ResourceKey } from './resources';

export type VmAction = 'start' | 'stop' | 'restart' | 'pause' | 'unpause' | 'migrate';

export interface ActionResult {
  readonly via: 'subresource' | 'runStrategy';
  /** Said to the user when the fallback was used. */
  readonly note?: string;
}

const SUBRESOURCES = '/apis/subresources.kubevirt.io/v1';

const RUN_STRATEGY: Partial<Record<VmAction, string>> = { start: 'Always', stop: 'Halted' };

/** Kubernetes names: DNS-1123 labels/subdomains; checked before a name reaches a URL. */
export function checkName(what: string, name: string): void {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253)
    throw new UserError(`Invalid ${what} name "${name}" (lowercase letters, digits, '-' and '.')`);
}

/** Whether the aggregated subresource API answers at all (virt-api, or its test double). */
export async function subresourcesServed(http: KubeHttp, signal?: AbortSignal): Promise<boolean> {
  try {
    await http.request('GET', SUBRESOURCES, {
      signal,
      timeoutMs: 10_000,
      what: 'discover subresources.kubevirt.io',
    });
    return true;
  } catch (e) {
    if (isKubeApiError(e) && (e.kind === 'notFound' || e.status === 503)) return false;
    throw e;
  }
}

export async function vmAction(
  http: KubeHttp,
  namespace: string,
  name: string,
  action: VmAction,
  signal?: AbortSignal,
): Promise<ActionResult> {
  checkName('namespace', namespace);
  checkName('VirtualMachine', name);
  const onVmi = action === 'pause' || action === 'unpause';
  const path = `${SUBRESOURCES}/namespaces/${namespace}/${onVmi ? 'virtualmachineinstances' : 'virtualmachines'}/${name}/${action}`;
  try {
    await http.request('PUT', path, {
      body: {},
      signal,
      timeoutMs: 30_000,
      what: `${action} VirtualMachine ${namespace}/${name}`,
    });
    return { via: 'subresource' };
  } catch (e) {
    if (!isKubeApiError(e) || !(e.kind === 'notFound' || e.status === 503)) throw e;
    if (await subresourcesServed(http, signal)) throw e; // served: the VM itself is missing
    const strategy = RUN_STRATEGY[action];
    if (!strategy)
      throw new UserError(
        `Cannot ${action} ${namespace}/${name}: KubeVirt's subresource API (subresources.kubevirt.io, served by virt-api) is not available on this cluster`,
      );
    await http.request('PATCH', objectPath(RESOURCES.virtualmachines, name, namespace), {
      // runStrategy and the deprecated `running` are mutually exclusive: clear `running`.
      body: { spec: { runStrategy: strategy, running: null } },
      contentType: 'application/merge-patch+json',
      query: { fieldManager: 'podvisor' },
      signal,
      timeoutMs: 30_000,
      what: `set runStrategy of ${namespace}/${name}`,
    });
    return {
      via: 'runStrategy',
      note: `KubeVirt's subresource API is not served: set spec.runStrategy of ${namespace}/${name} to ${strategy}`,
    };
  }
}

export async function deleteObject(
  http: KubeHttp,
  resource: ResourceKey,
  namespace: string,
  name: string,
  signal?: AbortSignal,
): Promise<void> {
  const r = RESOURCES[resource];
  if (r.namespaced) checkName('namespace', namespace);
  checkName(r.kind, name);
  await http.request('DELETE', objectPath(r, name, r.namespaced ? namespace : undefined), {
    body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
    signal,
    timeoutMs: 30_000,
    what: `delete ${r.kind} ${namespace ? `${namespace}/` : ''}${name}`,
  });
}
