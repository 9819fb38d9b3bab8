/**
 * Pods and pod templates: requests ≤ limits per container, valid image references, and Virtlet
 * VM pods (annotation `kubernetes.io/target-runtime: virtlet.cloud`): exactly one container whose
 * image starts with `virtlet.cloud/`. `runtimeClassName` is checked per file in `workspace.ts`.
 */
import type { Node } from 'yaml';
import { VIRTLET_ANNOTATION, type KindInfo } from '../kinds';
import { imageRefProblem } from '../imageRef';
import { hasPlaceholder } from '../placeholders';
import { asSeq, get, getPath, mapItems, pair, pathText, report, str, type CheckContext } from './context';
import { checkRequestsWithinLimits } from './resources';

const VIRTLET_IMAGE_PREFIX = 'virtlet.cloud/';

export function checkPodLike(ctx: CheckContext, root: Node, info: KindInfo): void {
  const base = info.podTemplatePath ?? [];
  const template = base.length ? getPath(root, base) : root;
  const spec = get(template, 'spec');
  if (!spec) return;
  const specPath = [...base, 'spec'];
  const seen = new Set<string>();
  for (const key of ['containers', 'initContainers']) {
    for (const [c, i] of mapItems(get(spec, key))) {
      const nameNode = get(c, 'name');
      const name = str(nameNode);
      if (name !== undefined && nameNode) {
        // The API server rejects two containers (init or not) with one name.
        if (seen.has(name))
          report(
            ctx,
            nameNode,
            'error',
            'pod.duplicate-container-name',
            `Container name \`${name}\` is used twice in this pod`,
            { name },
          );
        seen.add(name);
      }
      const res = get(c, 'resources');
      if (res) checkRequestsWithinLimits(ctx, res, pathText([...specPath, key, i, 'resources']));
      const img = pair(c, 'image');
      const ref = str(img?.value);
      if (
        img?.value &&
        ref !== undefined &&
        !(ctx.templated && hasPlaceholder(ref)) &&
        !ctx.fragment?.images.has(ref.replace(/(@.*|:[^/:]*)$/, '')) &&
        !ref.startsWith(VIRTLET_IMAGE_PREFIX)
      ) {
        const problem = imageRefProblem(ref);
        if (problem)
          report(
            ctx,
            img.value,
            'error',
            'image.invalid-reference',
            `\`${ref}\` is not a valid image reference: ${problem}`,
            { image: ref },
          );
      }
    }
  }
  const virtlet =
    info.family === 'virtlet' ||
    str(getPath(template, ['metadata', 'annotations', VIRTLET_ANNOTATION]))?.trim() === 'virtlet.cloud';
  if (virtlet) checkVirtlet(ctx, spec, specPath);
}

function checkVirtlet(ctx: CheckContext, spec: Node, specPath: (string | number)[]): void {
  const containersPair = pair(spec, 'containers');
  const containers = asSeq(containersPair?.value);
  const n = containers?.items.length ?? 0;
  if (n !== 1) {
    report(
      ctx,
      containers && n > 1 ? containers.items[1] : (containersPair?.key ?? spec),
      'error',
      'virtlet.container-count',
      `A Virtlet VM pod has exactly one container (the VM); \`${pathText([...specPath, 'containers'])}\` has ${n}`,
      { count: n },
    );
  }
  for (const [c] of mapItems(containers)) {
    const img = pair(c, 'image');
    const ref = str(img?.value);
    if (!img?.value || ref === undefined || (ctx.templated && hasPlaceholder(ref))) continue;
    if (!ref.startsWith(VIRTLET_IMAGE_PREFIX)) {
      report(
        ctx,
        img.value,
        'error',
        'virtlet.image-prefix',
        `Virtlet VM images start with \`${VIRTLET_IMAGE_PREFIX}\` (e.g. \`${VIRTLET_IMAGE_PREFIX}${ref.replace(/^[a-z]+:\/\//, '')}\`)`,
        { image: ref, replacement: VIRTLET_IMAGE_PREFIX + ref.replace(/^[a-z]+:\/\//, '') },
      );
    }
  }
}
