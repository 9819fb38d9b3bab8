/**
 * What a kustomization names: files and folders (with the role each plays) and inline patches.
 * Read from the YAML AST so every entry keeps its range; used both to check the kustomization and
 * to tell the files it lists that they are fragments or patches.
 */
import type { Node } from 'yaml';
import { isMap, isScalar, isSeq } from '../yamlFns';
import { get, mapItems, str } from '../rules/context';

export type KustomizeRole =
  /** a file of manifests, or a folder with a kustomization */
  | 'resource'
  /** a folder with a `kind: Component` kustomization */
  | 'component'
  /** a strategic merge patch (or, by content, JSON 6902) */
  | 'patch'
  /** a list of JSON 6902 operations */
  | 'json6902'
  /** any other file (generator inputs, configurations, CRDs) */
  | 'file';

export interface PatchTarget {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
}

export interface KustomizeRef {
  /** the entry as written (after `key=` for generator files) */
  path: string;
  role: KustomizeRole;
  /** the scalar holding it */
  node: Node;
  /** for patches */
  target?: PatchTarget;
  field: string;
}

export interface InlinePatch {
  node: Node;
  text: string;
  target?: PatchTarget;
  field: string;
}

/** Remote bases and other things that are not local paths. */
export function isRemote(p: string): boolean {
  return (
    /^(?:https?:|git@|ssh:|git::|file:)/.test(p) ||
    /^(?:github\.com|gitlab\.com|bitbucket\.org)\//.test(p) ||
    /\?(?:ref|version|timeout|submodules)=/.test(p) ||
    /^[a-z0-9.-]+\.[a-z]{2,}\/[^/]+\/[^/]+.*\/\//.test(p)
  );
}

function target(n: unknown): PatchTarget | undefined {
  const t = get(n, 'target');
  if (!isMap(t)) return undefined;
  const r: PatchTarget = {};
  for (const k of ['group', 'version', 'kind', 'name'] as const) {
    const v = str(get(t, k));
    if (v !== undefined) r[k] = v;
  }
  return r;
}

export function kustomizeReferences(root: unknown): { refs: KustomizeRef[]; inline: InlinePatch[] } {
  const refs: KustomizeRef[] = [];
  const inline: InlinePatch[] = [];
  const strings = (field: string, role: KustomizeRole) => {
    const seq = get(root, field);
    if (!isSeq(seq)) return;
    for (const it of seq.items) {
      const v = str(it);
      if (!isScalar(it) || v === undefined) continue;
      // Inline content (a patch or a plugin configuration written in place).
      if (v.includes('\n') || /^\s*(?:apiVersion|kind)\s*:/.test(v)) {
        if (field === 'patchesStrategicMerge') inline.push({ node: it as Node, text: v, field });
        continue;
      }
      refs.push({ path: v.trim(), role, node: it as Node, field });
    }
  };
  strings('resources', 'resource');
  strings('bases', 'resource');
  strings('components', 'component');
  strings('crds', 'file');
  strings('generators', 'file');
  strings('transformers', 'file');
  strings('validators', 'file');
  strings('configurations', 'file');
  strings('patchesStrategicMerge', 'patch');
  for (const [p] of mapItems(get(root, 'patches'))) {
    const path = get(p, 'path');
    const t = target(p);
    const pv = str(path);
    if (isScalar(path) && pv !== undefined)
      refs.push({
        path: pv.trim(),
        role: 'patch',
        node: path as Node,
        field: 'patches',
        ...(t ? { target: t } : {}),
      });
    const patch = get(p, 'patch');
    const text = str(patch);
    if (isScalar(patch) && text !== undefined)
      inline.push({ node: patch as Node, text, field: 'patches', ...(t ? { target: t } : {}) });
  }
  for (const [p] of mapItems(get(root, 'patchesJson6902'))) {
    const path = get(p, 'path');
    const t = target(p);
    const pv = str(path);
    if (isScalar(path) && pv !== undefined)
      refs.push({
        path: pv.trim(),
        role: 'json6902',
        node: path as Node,
        field: 'patchesJson6902',
        ...(t ? { target: t } : {}),
      });
    const patch = get(p, 'patch');
    const text = str(patch);
    if (isScalar(patch) && text !== undefined)
      inline.push({ node: patch as Node, text, field: 'patchesJson6902', ...(t ? { target: t } : {}) });
  }
  for (const [r] of mapItems(get(root, 'replacements'))) {
    const path = get(r, 'path');
    const pv = str(path);
    if (isScalar(path) && pv !== undefined)
      refs.push({ path: pv.trim(), role: 'file', node: path as Node, field: 'replacements' });
  }
  for (const gen of ['configMapGenerator', 'secretGenerator']) {
    for (const [g] of mapItems(get(root, gen))) {
      for (const key of ['files', 'envs']) {
        const seq = get(g, key);
        if (!isSeq(seq)) continue;
        for (const it of seq.items) {
          const v = str(it);
          if (!isScalar(it) || v === undefined) continue;
          // `key=path`: the file is after the first `=`.
          const eq = key === 'files' ? v.indexOf('=') : -1;
          refs.push({
            path: (eq >= 0 ? v.slice(eq + 1) : v).trim(),
            role: 'file',
            node: it as Node,
            field: `${gen}.${key}`,
          });
        }
      }
      const env = get(g, 'env');
      const ev = str(env);
      if (isScalar(env) && ev !== undefined)
        refs.push({ path: ev.trim(), role: 'file', node: env as Node, field: `${gen}.env` });
    }
  }
  const openapi = get(get(root, 'openapi'), 'path');
  const ov = str(openapi);
  if (isScalar(openapi) && ov !== undefined)
    refs.push({ path: ov.trim(), role: 'file', node: openapi as Node, field: 'openapi.path' });
  return { refs: refs.filter((r) => r.path && !isRemote(r.path)), inline };
}
