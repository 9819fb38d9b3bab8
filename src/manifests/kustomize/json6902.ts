/**
 * A JSON 6902 patch (a list of `{op, path, value|from}`) checked as a patch of its target kind:
 * the operations are well-formed, each path walks the target's schema (`/spec/template/spec/
 * containers/0/image`), and each value has the type the schema has there.
 */
import type { Node } from 'yaml';
import { isMap, isSeq } from '../yamlFns';
import { detectKind, type KindInfo } from '../kinds';
import type { JSONSchema } from '../schemas';
import { servedAlternative } from '../rules/apiVersions';
import { closestKey, validateSchema } from '../rules/schema';
import { get, report, str, type CheckContext } from '../rules/context';
import type { PatchTarget } from './references';

const OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test'];

/** The kind a patch target names (its served version when the target gives none). */
export function targetKind(ctx: CheckContext, t: PatchTarget | undefined): KindInfo | undefined {
  if (!t?.kind) return undefined;
  const group = t.group ?? '';
  let av = t.version ? (group ? `${group}/${t.version}` : t.version) : undefined;
  if (!av) {
    const v = ctx.store.effective(ctx.options).kubernetesVersion;
    // Without `group` kustomize matches the kind in any group.
    av = servedAlternative(ctx.store, 'kubernetes', v, t.group, t.kind, '');
    if (!av) {
      // A KubeVirt kind: the table knows its served version.
      for (const cand of [`${group}/v1`, `${group}/v1beta1`, `${group}/v1alpha1`]) {
        const k = detectKind(cand, t.kind);
        if (k && !k.removed) return k;
      }
      return undefined;
    }
  }
  const k = detectKind(av, t.kind);
  return k && !k.removed ? k : undefined;
}

function unescape(seg: string): string {
  return seg.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Walks a JSON pointer through a schema; returns the schema at the end, or what went wrong. */
function walkPointer(
  ctx: CheckContext,
  root: JSONSchema,
  pointer: string,
  op: string,
): { schema?: JSONSchema; problem?: string } {
  const segs = pointer.split('/').slice(1).map(unescape);
  let s: JSONSchema | undefined = ctx.store.deref(root);
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    if (!s) return {};
    const d = ctx.store.describe(s);
    if (s.items || d.types.includes('array')) {
      if (!/^(?:\d+|-)$/.test(seg))
        return {
          problem: `\`${seg}\` is not an index (a number or \`-\`) of the list at \`/${segs.slice(0, i).join('/')}\``,
        };
      if (seg === '-' && op !== 'add' && op !== 'move' && op !== 'copy')
        return { problem: '`-` (the end of a list) only works with add, move and copy' };
      s = s.items ? ctx.store.deref(s.items) : undefined;
      continue;
    }
    const next: JSONSchema | undefined =
      s.properties?.[seg] ??
      (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
    if (!next) {
      if (d.preserveUnknown || !s.properties) return {};
      const suggestion = closestKey(seg, Object.keys(s.properties));
      return {
        problem: `there is no \`${seg}\` in \`/${segs.slice(0, i).join('/')}\`${suggestion ? `: did you mean \`${suggestion}\`?` : ''}`,
      };
    }
    s = ctx.store.deref(next);
  }
  return { schema: s };
}

export function checkJson6902(ctx: CheckContext, root: Node | null, t: PatchTarget | undefined): void {
  if (!isSeq(root)) {
    if (root)
      report(
        ctx,
        root,
        'error',
        'kustomize.json6902-not-a-list',
        'A JSON 6902 patch is a list of operations (`- op: replace`)',
      );
    return;
  }
  const kind = targetKind(ctx, t);
  const schema = kind ? ctx.store.forKind(kind, ctx.options) : undefined;
  for (const item of root.items as Node[]) {
    if (!isMap(item)) {
      report(ctx, item, 'error', 'kustomize.json6902-op', 'Each operation is a mapping with `op` and `path`');
      continue;
    }
    const opNode = get(item, 'op');
    const op = str(opNode);
    if (!opNode || op === undefined) {
      report(
        ctx,
        (item.items[0]?.key as Node) ?? item,
        'error',
        'kustomize.json6902-op',
        'This operation has no `op` (add, remove, replace, move, copy or test)',
      );
      continue;
    }
    if (!OPS.includes(op)) {
      report(
        ctx,
        opNode,
        'error',
        'kustomize.json6902-op',
        `\`${op}\` is not a JSON 6902 operation: use one of ${OPS.join(', ')}`,
        {
          allowed: OPS,
        },
      );
      continue;
    }
    const pathNode = get(item, 'path');
    const p = str(pathNode);
    if (!pathNode || p === undefined) {
      report(
        ctx,
        opNode,
        'error',
        'kustomize.json6902-path',
        `\`${op}\` needs a \`path\` (a JSON pointer like /spec/replicas)`,
      );
      continue;
    }
    if (p !== '' && !p.startsWith('/')) {
      report(
        ctx,
        pathNode,
        'error',
        'kustomize.json6902-path',
        `\`${p}\` is not a JSON pointer: it starts with \`/\` (/spec/replicas)`,
      );
      continue;
    }
    const needsValue = op === 'add' || op === 'replace' || op === 'test';
    const value = item.items.find((x) => (x.key as { value?: unknown })?.value === 'value');
    if (needsValue && !value)
      report(ctx, opNode, 'error', 'kustomize.json6902-value', `\`${op}\` needs a \`value\``);
    if ((op === 'move' || op === 'copy') && !get(item, 'from'))
      report(ctx, opNode, 'error', 'kustomize.json6902-from', `\`${op}\` needs a \`from\` path`);
    if (!schema || !kind) continue;
    const w = walkPointer(ctx, schema, p, op);
    if (w.problem) {
      report(
        ctx,
        pathNode,
        'warning',
        'kustomize.json6902-path',
        `\`${p}\` does not fit ${kind.kind}: ${w.problem}`,
        { kind: kind.kind },
      );
      continue;
    }
    if (w.schema && value?.value) {
      const segs = p.split('/').slice(1).map(unescape);
      validateSchema(
        { ...ctx, partial: true, info: kind },
        value.value as Node,
        w.schema,
        segs.map((s) => (/^\d+$/.test(s) ? Number(s) : s)),
      );
    }
  }
}
