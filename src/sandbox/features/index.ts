/**
 * Features for a launch: resolve the references (local, OCI, tarball) and their dependencies,
 * order them as the spec says, and fold what they contribute into the spec (hooks before the
 * user's, mounts, init, entrypoints, the privileges they ask for). The image layer itself is
 * built by build.ts.
 */
import { SAFE_CAPS } from '../devcontainer';
import { mergeLifecycle } from '../lifecycle';
import { mountList } from '../devcontainer/mounts';
import type { MountSpec, PrivilegeRequest, SandboxSpec } from '../types';
import { fetchFeature, type FetchOptions } from './fetch';
import { buildGraph, installOrder, type FeatureNode } from './order';

export { buildFeatureImage, FEATURE_CACHE_LABEL } from './build';
export type { FeatureNode } from './order';

/** The features of a spec in install order (empty when it has none). */
export async function resolveFeatures(spec: SandboxSpec, o: FetchOptions): Promise<FeatureNode[]> {
  const set = spec.features;
  if (!set?.refs.length) return [];
  const nodes = await buildGraph(set, (ref) => fetchFeature(ref, set.configDir, o));
  return installOrder(nodes, set);
}

/** The spec with the features' contributions (in install order, before devcontainer.json's own). */
export function applyFeatures(spec: SandboxSpec, order: readonly FeatureNode[]): SandboxSpec {
  if (!order.length) return spec;
  const id = spec.devcontainerId ?? '';
  const sub = (s: string) => s.replace(/\$\{devcontainerId\}/g, id);
  let lifecycle = {};
  const mounts: MountSpec[] = [];
  const requests: PrivilegeRequest[] = [];
  const capAdd: string[] = [];
  const entrypoints: string[] = [];
  let init = spec.init;
  for (const n of order) {
    const m = n.feature.meta;
    const origin = n.feature.ref.id;
    lifecycle = mergeLifecycle(lifecycle, relabel(m.lifecycle, origin));
    mounts.push(...mountList(m.mounts, `Feature ${origin}: mounts`, sub));
    if (m.init) init = true;
    if (m.entrypoint) entrypoints.push(sub(m.entrypoint));
    const extra: string[] = [];
    for (const c of m.capAdd) {
      const cap = c.toUpperCase().replace(/^CAP_/, '');
      if (SAFE_CAPS.has(cap)) capAdd.push(cap);
      else extra.push(cap);
    }
    if (m.privileged || extra.length || m.securityOpt.length)
      requests.push({
        origin,
        ...(m.privileged ? { privileged: true } : {}),
        ...(extra.length ? { capAdd: extra } : {}),
        ...(m.securityOpt.length ? { securityOpt: [...m.securityOpt] } : {}),
      });
  }
  const [main, ...rest] = spec.containers;
  return {
    ...spec,
    lifecycle: mergeLifecycle(lifecycle, spec.lifecycle),
    // devcontainer.json's mount of a target wins over a feature's.
    mounts: [...mounts.filter((x) => !spec.mounts.some((y) => y.target === x.target)), ...spec.mounts],
    capAdd: [...new Set([...spec.capAdd, ...capAdd])],
    ...(requests.length || spec.privilegeRequests?.length
      ? { privilegeRequests: [...requests, ...(spec.privilegeRequests ?? [])] }
      : {}),
    init,
    containers: main
      ? [
          {
            ...main,
            ...(entrypoints.length ? { entrypoints: [...(main.entrypoints ?? []), ...entrypoints] } : {}),
          },
          ...rest,
        ]
      : spec.containers,
  };
}

/** A feature's hooks carry the feature's id as written in devcontainer.json. */
function relabel(l: SandboxSpec['lifecycle'], origin: string): SandboxSpec['lifecycle'] {
  return Object.fromEntries(
    Object.entries(l).map(([k, steps]) => [k, (steps ?? []).map((s) => ({ ...s, origin }))]),
  );
}
