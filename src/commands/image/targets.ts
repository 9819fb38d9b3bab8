import * as vscode from 'vscode';
import type { ImageInfo } from '../../backends/docker/model';
import { CancelledError, UserError } from '../../common/errors';
import type { Services } from '../../host/services';
import { ImageNode } from '../../tree/containers/nodes';

/** The image a command acts on: the clicked node, an id or reference, or one picked from a list. */
export async function imageTarget(svc: Services, args: unknown[], placeHolder: string): Promise<ImageInfo> {
  const [first] = args;
  if (first instanceof ImageNode) return first.info;
  await svc.containers.client();
  await svc.containers.store?.idle();
  const list = svc.containers.images();
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
      description: i.repoTags.slice(1).join(', '),
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
