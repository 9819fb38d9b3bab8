/**
 * Whether the chosen Kubernetes / KubeVirt version serves a document's apiVersion and kind, worked
 * out from the bundled schemas of every version (a key served in 1.31 but not in 1.32 was removed
 * in 1.32): removed → error with the replacement, going away in a later bundled version → warning,
 * newer than the chosen version → warning. A runtime schema set (a connected cluster) that
 * describes the kind settles it: the cluster serves it.
 */
import type { Node } from 'yaml';
import { splitApiVersion, type KindInfo } from '../kinds';
import { compareVersions, SchemaStore, type SchemaFamily } from '../schemas';
import { closestKey } from './schema';
import { get, report, type CheckContext } from './context';

const LABEL: Record<SchemaFamily, string> = { kubernetes: 'Kubernetes', kubevirt: 'KubeVirt' };
const SETTING: Record<SchemaFamily, string> = {
  kubernetes: 'podvisor.manifests.kubernetesVersion',
  kubevirt: 'podvisor.manifests.kubevirtVersion',
};

/** Stability order of a version string: v1 > v1beta2 > v1beta1 > v1alpha1 (higher is more stable). */
function stability(v: string): number {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return -1;
  const major = Number(m[1]);
  const level = m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2;
  return major * 1000 + level * 100 + Number(m[3] ?? 0);
}

/** The most stable apiVersion a version serves for a group+kind, other than `except`. */
export function servedAlternative(
  store: SchemaStore,
  family: SchemaFamily,
  version: string,
  /** undefined: any group (a kustomize patch target without `group`) */
  group: string | undefined,
  kind: string,
  except: string,
): string | undefined {
  let best: string | undefined;
  let bestS = -2;
  for (const key of store.kindKeys(family, version)) {
    const i = key.lastIndexOf('/');
    if (key.slice(i + 1) !== kind) continue;
    const av = key.slice(0, i);
    const [g, v] = splitApiVersion(av);
    if ((group !== undefined && g !== group) || av === except) continue;
    const s = stability(v);
    if (s > bestS) {
      best = av;
      bestS = s;
    }
  }
  return best;
}

/**
 * Reports what the chosen version says about the document's apiVersion; returns false when the
 * document should not be schema-checked further (not served).
 */
export function checkServed(
  ctx: CheckContext,
  root: Node | null,
  info: KindInfo,
  apiVersion: string,
): boolean {
  const [family, key] = SchemaStore.split(info);
  const store = ctx.store;
  if (store.runtimeServes(key)) return true;
  if (info.family === 'custom' || info.family === 'kustomize') return true;
  const eff = store.effective(ctx.options);
  const chosen = family === 'kubernetes' ? eff.kubernetesVersion : eff.kubevirtVersion;
  const all = store.versions(family);
  if (!all.length) return true;
  const servedIn = store.servedVersions(family, key);
  const at = get(root, 'apiVersion');
  const name = LABEL[family];
  const rt = store.runtimeSet;
  const where = rt ? rt.label : `${name} ${chosen}`;
  if (servedIn.includes(chosen)) {
    // Served by the newest bundled version: nothing to say (the common case, kept cheap).
    if (servedIn[servedIn.length - 1] === all[all.length - 1]) return true;
    // Going away: served now, gone from some later bundled version on.
    const later = all.filter((v) => compareVersions(v, chosen) > 0);
    const goneIn = later.find((v) => !servedIn.some((s) => compareVersions(s, v) >= 0));
    if (goneIn && info.family === 'kube' && !rt) {
      const alt = servedAlternative(store, family, goneIn, info.group, info.kind, apiVersion);
      report(
        ctx,
        at,
        'warning',
        'api.deprecated-version',
        `\`${apiVersion}\` ${info.kind} is removed in ${name} ${goneIn}${alt ? `: use \`${alt}\`` : ''}`,
        { from: apiVersion, replacement: alt, removedIn: goneIn },
      );
    }
    return true;
  }
  const alt = servedAlternative(store, family, chosen, info.group, info.kind, apiVersion);
  if (servedIn.length && servedIn.every((v) => compareVersions(v, chosen) > 0)) {
    report(
      ctx,
      at,
      'warning',
      'api.not-yet-served',
      `\`${apiVersion}\` ${info.kind} is served from ${name} ${servedIn[0]} on, not by ${where} (${SETTING[family]})${alt ? `: use \`${alt}\`` : ''}`,
      { from: apiVersion, replacement: alt, servedFrom: servedIn[0] },
    );
    return false;
  }
  if (servedIn.length) {
    const last = servedIn[servedIn.length - 1]!;
    const removedIn = all.find((v) => compareVersions(v, last) > 0) ?? chosen;
    report(
      ctx,
      at,
      'error',
      'api.removed-version',
      `\`${apiVersion}\` ${info.kind} was removed in ${name} ${removedIn} (${where} does not serve it)${alt ? `: use \`${alt}\`` : ''}`,
      { from: apiVersion, replacement: alt ?? '', removedIn },
    );
    return false;
  }
  // Served by no bundled version.
  if (family === 'kubevirt') return false; // a newer KubeVirt than any bundled: no schema, no noise
  if (alt) {
    report(
      ctx,
      at,
      'error',
      'api.removed-version',
      `\`${apiVersion}\` is not served for ${info.kind} by ${where}: use \`${alt}\``,
      { from: apiVersion, replacement: alt },
    );
    return false;
  }
  const kinds = new Set(
    store
      .kindKeys(family, chosen)
      .filter((k) => k.slice(0, k.lastIndexOf('/')) === apiVersion)
      .map((k) => k.slice(k.lastIndexOf('/') + 1)),
  );
  if (kinds.size) {
    const suggestion = closestKey(info.kind, kinds);
    report(
      ctx,
      get(root, 'kind'),
      'warning',
      'api.unknown-kind',
      `${where} has no kind \`${info.kind}\` in \`${apiVersion}\`${suggestion ? `: did you mean \`${suggestion}\`?` : ''}`,
      { kind: info.kind, suggestion },
    );
  }
  return false;
}

/**
 * For an unknown key: the bundled versions that do have it at this path, as a hint (`added in
 * Kubernetes 1.33`, `removed in 1.32`), or undefined when no version has it.
 */
export function versionHint(
  ctx: CheckContext,
  info: KindInfo,
  path: readonly (string | number)[],
): { text: string; newer?: boolean } | undefined {
  const store = ctx.store;
  const [family, key] = SchemaStore.split(info);
  if (store.runtimeServes(key)) return undefined;
  const eff = store.effective(ctx.options);
  const chosen = family === 'kubernetes' ? eff.kubernetesVersion : eff.kubevirtVersion;
  const has = store
    .versions(family)
    .filter((v) => v !== chosen && store.resolveAt(store.kindIn(family, v, key), path) !== undefined);
  const name = LABEL[family];
  if (!has.length) {
    // Newer than every bundled release: KubeVirt's development API has it.
    const dev = store.resolveAt(store.kindIn(family, 'next', key), path) !== undefined;
    const newest = store.versions(family).at(-1);
    return dev && newest
      ? { text: `not in ${name} ${newest}, the newest bundled release: newer ${name} has it`, newer: true }
      : undefined;
  }
  if (has.every((v) => compareVersions(v, chosen) > 0))
    return { text: `not in ${name} ${chosen}: added in ${has[0]} (${SETTING[family]})` };
  if (has.every((v) => compareVersions(v, chosen) < 0)) {
    const last = has[has.length - 1]!;
    const removedIn = store.versions(family).find((v) => compareVersions(v, last) > 0) ?? chosen;
    return { text: `removed in ${name} ${removedIn}` };
  }
  return undefined;
}
