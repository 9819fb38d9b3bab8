import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../common/errors';
import type { Command } from '../command';
import { imageName, imageTarget } from './targets';

/** Tag Image: another name for the same image (`docker tag`). A test passes the new name as the third argument. */
export const tagImage: Command = {
  id: 'podvisor.image.tag',
  async execute(svc, ...args) {
    const img = await imageTarget(svc, args, vscode.l10n.t('Image to tag'));
    const m = svc.containers.module();
    const target =
      (typeof args[2] === 'string' ? args[2] : undefined) ??
      (await vscode.window.showInputBox({
        title: vscode.l10n.t('New name for {0}', imageName(img)),
        value: imageName(img),
        validateInput: (v) =>
          m.parseImageReference(v) ? undefined : vscode.l10n.t('Not an image name[:tag]'),
      }));
    if (!target) throw new CancelledError();
    if (!m.parseImageReference(target))
      throw new UserError(vscode.l10n.t('Not an image name[:tag]: {0}', target));
    await m.tagImage(await img.engine.client(), img.id, target);
    return target;
  },
};
