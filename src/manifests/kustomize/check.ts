/**
 * A kustomization's own checks beyond its schema: every local path it names exists and is the
 * right sort of thing (a resource folder has a kustomization, a component is a Component), and
 * inline patches are checked as patches of their target, in place.
 */
import * as path from 'path';
import type { Node } from 'yaml';
import { isScalar, Scalar } from '../yamlFns';
import { kustomizationIn, type FileFacts } from '../files';
import { report, type CheckContext } from '../rules/context';
import { kustomizeReferences, type InlinePatch } from './references';

export interface FileContext {
  /** Local path of the file being checked (paths in a kustomization are relative to its folder). */
  readonly path?: string;
  readonly files: FileFacts;
}

export function checkKustomization(
  ctx: CheckContext,
  root: Node | null,
  file: FileContext | undefined,
  validateInline: (p: InlinePatch) => void,
): void {
  const { refs, inline } = kustomizeReferences(root);
  for (const p of inline) validateInline(p);
  if (!file?.path) return;
  const dir = path.dirname(file.path);
  for (const r of refs) {
    if (ctx.templated && /\$\{|\{\{/.test(r.path)) continue;
    const abs = path.resolve(dir, r.path);
    const st = file.files.stat(abs);
    if (!st) {
      report(
        ctx,
        r.node,
        'error',
        'kustomize.missing-path',
        `\`${r.path}\` does not exist (${r.field} paths are relative to this kustomization's folder)`,
        { path: r.path, resolved: abs },
      );
      continue;
    }
    if (st === 'dir') {
      if (r.role !== 'resource' && r.role !== 'component') {
        report(
          ctx,
          r.node,
          'error',
          'kustomize.not-a-file',
          `\`${r.path}\` is a folder; ${r.field} names files`,
          {
            path: r.path,
          },
        );
        continue;
      }
      const k = kustomizationIn(file.files, abs);
      if (!k) {
        report(
          ctx,
          r.node,
          'error',
          'kustomize.no-kustomization',
          `\`${r.path}\` is a folder without a kustomization.yaml: kustomize cannot build it`,
          { path: r.path },
        );
        continue;
      }
      const kindLine = /^kind:[ \t]*["']?(\w+)/m.exec(file.files.read(k) ?? '')?.[1];
      if (r.role === 'component' && kindLine !== 'Component')
        report(
          ctx,
          r.node,
          'error',
          'kustomize.not-a-component',
          `\`${r.path}\` is a ${kindLine ?? 'Kustomization'}, not a Component (\`kind: Component\`, apiVersion kustomize.config.k8s.io/v1alpha1): list it under resources`,
          { path: r.path },
        );
      else if (r.role === 'resource' && kindLine === 'Component')
        report(
          ctx,
          r.node,
          'error',
          'kustomize.component-as-resource',
          `\`${r.path}\` is a Component: list it under components, not ${r.field}`,
          { path: r.path },
        );
    } else if (r.role === 'component') {
      report(
        ctx,
        r.node,
        'error',
        'kustomize.not-a-component',
        `\`${r.path}\` is a file; components are folders with a \`kind: Component\` kustomization`,
        {
          path: r.path,
        },
      );
    }
  }
}

/** Whether an inline patch's node is a block scalar whose positions map exactly. */
export function isBlock(n: Node): boolean {
  return isScalar(n) && (n.type === Scalar.BLOCK_LITERAL || n.type === Scalar.BLOCK_FOLDED);
}
