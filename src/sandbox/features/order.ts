/**
 * The set of features to install and their order, as the spec's dependency algorithm says
 * (docs/specs/feature-dependencies.md): the user's features plus their `dependsOn` features,
 * recursively, each distinct (same contents and same options) feature once; then rounds: a
 * feature joins a round when all its hard dependencies and the soft ones (`installsAfter`,
 * only those in the set) are installed; of a round only the features with the highest
 * `roundPriority` (from overrideFeatureInstallOrder) are committed, sorted by the spec's
 * stable sort; a round that commits nothing is a cycle, reported with what each waits for.
 */
import { UserError } from '../../common/errors';
import type { FeatureRef, FeatureSet } from '../types';
import type { FetchedFeature } from './fetch';
import { resourceOf } from './ref';

export interface FeatureNode {
  readonly feature: FetchedFeature;
  /** Hard dependencies (dependsOn), as nodes. */
  readonly dependsOn: FeatureNode[];
  roundPriority: number;
  /** True when devcontainer.json names it (not only a dependency). */
  readonly userDefined: boolean;
}

const sameOptions = (a: FeatureRef['options'], b: FeatureRef['options']) => {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && String(a[k]) === String(b[k]));
};

function equal(a: FetchedFeature, b: FetchedFeature): boolean {
  return (
    a.contentId === b.contentId &&
    a.parsed.resource === b.parsed.resource &&
    sameOptions(a.ref.options, b.ref.options)
  );
}

/** B1: every feature to install, with its dependsOn edges; `fetch` resolves a reference. */
export async function buildGraph(
  set: FeatureSet,
  fetch: (ref: FeatureRef) => Promise<FetchedFeature>,
): Promise<FeatureNode[]> {
  const nodes: FeatureNode[] = [];
  const resolve = async (
    ref: FeatureRef,
    userDefined: boolean,
    chain: readonly string[],
  ): Promise<FeatureNode> => {
    if (chain.includes(ref.id))
      throw new UserError(`Features depend on each other in a circle: ${[...chain, ref.id].join(' → ')}`);
    const f = await fetch(ref);
    const existing = nodes.find((n) => equal(n.feature, f));
    if (existing) return existing;
    const node: FeatureNode = { feature: f, dependsOn: [], roundPriority: 0, userDefined };
    nodes.push(node);
    for (const dep of f.meta.dependsOn) node.dependsOn.push(await resolve(dep, false, [...chain, ref.id]));
    return node;
  };
  for (const ref of set.refs) await resolve(ref, true, []);
  return nodes;
}

function semverKey(tag: string | undefined): number[] {
  if (!tag || tag === 'latest') return [Infinity];
  return tag.split(/[.-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : 0));
}

function compareVersions(a: string | undefined, b: string | undefined): number {
  const x = semverKey(a);
  const y = semverKey(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d) return d > 0 ? 1 : -1;
  }
  return 0;
}

const tagOf = (n: FeatureNode) => (n.feature.parsed.kind === 'oci' ? n.feature.parsed.tag : undefined);

/** The spec's "Round Stable Sort". */
export function roundCompare(a: FeatureNode, b: FeatureNode): number {
  const ra = a.feature.parsed.resource;
  const rb = b.feature.parsed.resource;
  if (ra !== rb) return ra < rb ? -1 : 1;
  const v = compareVersions(tagOf(a), tagOf(b));
  if (v) return v;
  const oa = a.feature.ref.options;
  const ob = b.feature.ref.options;
  const ka = Object.keys(oa).sort();
  const kb = Object.keys(ob).sort();
  if (ka.length !== kb.length) return kb.length - ka.length;
  const keys = ka.join('\0').localeCompare(kb.join('\0'));
  if (keys) return keys;
  const vals = ka
    .map((k) => String(oa[k]))
    .join('\0')
    .localeCompare(kb.map((k) => String(ob[k])).join('\0'));
  if (vals) return vals;
  return a.feature.contentId.localeCompare(b.feature.contentId);
}

/** B2 + B3: the install order. */
export function installOrder(nodes: readonly FeatureNode[], set: FeatureSet): FeatureNode[] {
  const n = set.overrideOrder.length;
  set.overrideOrder.forEach((id, idx) => {
    const r = resourceOf(id, set.configDir);
    const hits = nodes.filter((x) => x.feature.parsed.resource === r);
    if (!hits.length)
      throw new UserError(
        `overrideFeatureInstallOrder names "${id}", which is not among the features to install`,
      );
    for (const h of hits) h.roundPriority = n - idx;
  });
  // Soft edges only to features that are in the set.
  const soft = new Map<FeatureNode, FeatureNode[]>();
  for (const x of nodes) {
    const after = x.feature.meta.installsAfter.map((id) => resourceOf(id, set.configDir));
    soft.set(
      x,
      nodes.filter(
        (y) =>
          y !== x &&
          after.some(
            (r) =>
              r === y.feature.parsed.resource || (!r.includes('/') && r === y.feature.meta.id.toLowerCase()),
          ),
      ),
    );
  }
  const done: FeatureNode[] = [];
  let work = [...nodes];
  while (work.length) {
    const ready = (x: FeatureNode) => [...x.dependsOn, ...(soft.get(x) ?? [])].every((d) => done.includes(d));
    const round = work.filter(ready);
    if (!round.length) {
      const why = work
        .map((x) => {
          const waits = [...x.dependsOn, ...(soft.get(x) ?? [])].filter((d) => !done.includes(d));
          return `${x.feature.ref.id} waits for ${waits.map((d) => d.feature.ref.id).join(', ')}`;
        })
        .join('; ');
      throw new UserError(`The features cannot be ordered (a dependency cycle): ${why}`);
    }
    const max = Math.max(...round.map((x) => x.roundPriority));
    const commit = round.filter((x) => x.roundPriority === max).sort(roundCompare);
    done.push(...commit);
    work = work.filter((x) => !commit.includes(x));
  }
  return done;
}
