import * as vscode from 'vscode';
import type { ImageInfo } from '../../backends/docker/model';
import { CancelledError, UserError } from '../../common/errors';
import type { Services } from '../../host/services';
import { ImageNode, type EngineRef } from '../../tree/containers/nodes';

/** An image and the engine that has it. */
export type ImageTarget = ImageInfo & { readonly engine: EngineRef };

/**
 * The image a command acts on: the clicked node, an id or reference (on the engine named by a
 * second argument `{ engine: key }`, else any), or one picked from a list over every engine.
 */
export async function imageTarget(svc: Services, args: unknown[], placeHolder: string): Promise<ImageTarget> {
  const [first, second] = args;
  if (first instanceof ImageNode) return { ...first.info, engine: first.engine };
  const wanted = (second as { engine?: unknown } | undefined)?.engine;
  const engines = svc.containers.engines().filter((e) => typeof wanted !== 'string' || e.key === wanted);
  await Promise.all(
    engines.map(async (e) => {
      await e.client().catch(() => undefined);
      await e.store?.idle();
    }),
  );
  const list: ImageTarget[] = engines.flatMap((e) => e.images().map((i) => ({ ...i, engine: e })));
  if (typeof first === 'string' && first) {
    const i = list.find(
      (x) => x.id === first || x.id.replace(/^sha256:/, '').startsWith(first) || x.repoTags.includes(first),
    );
    if (!i) throw new UserError(vscode.l10n.t('No image {0}', first));
    return i;
  }
  if (!list.length) throw new UserError(vscode.l10n.t('No images.'));
  const pick = await vscode.window.showQuickPick(
    list.map((i) => ({
      label: i.repoTags[0] ?? i.id.replace(/^sha256:/, '').slice(0, 12),
      description: [i.repoTags.slice(1).join(', '), engines.length > 1 ? i.engine.label : '']
        .filter(Boolean)
        .join(' · '),
      i,
    })),
    { placeHolder },
  );
  if (!pick) throw new CancelledError();
  return pick.i;
}

export function imageName(i: ImageInfo): string {
  return i.repoTags[0] ?? i.id.replace(/^sha256:/, '').slice(0, 12);
}
