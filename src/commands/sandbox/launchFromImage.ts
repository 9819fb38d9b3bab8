import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import type { Command } from '../command';
import { chooseLevel, launchSpec, requireTrust } from './common';

/** "Open in sandbox" from the Images tree (a node with a tag/id) or an image name; the first workspace folder is mounted. */
export const launchFromImage: Command = {
  id: 'podvisor.sandbox.launchFromImage',
  async execute(svc, arg?: unknown, opts?: unknown) {
    requireTrust();
    const image =
      imageRef(arg) ??
      (await vscode.window.showInputBox({
        title: vscode.l10n.t('Open image in sandbox'),
        prompt: vscode.l10n.t('Image name or id'),
      }));
    if (!image) return undefined;
    if (!/^[A-Za-z0-9][A-Za-z0-9_.\-/:@]*$/.test(image))
      throw new UserError(vscode.l10n.t('"{0}" is not an image reference', image));
    const o = (typeof opts === 'object' && opts !== null ? opts : {}) as {
      level?: unknown;
      terminal?: unknown;
    };
    const level = await chooseLevel(svc, o.level);
    if (!level) return undefined;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const spec = svc.sandboxes.module().imageSpec(image, folder);
    return launchSpec(svc, spec, level, { terminal: o.terminal !== false });
  },
};

/** The image reference of a tree node (tags first, then id) or a string. */
function imageRef(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (typeof arg !== 'object' || arg === null) return undefined;
  const x = arg as Record<string, unknown>;
  const img = (typeof x.image === 'object' && x.image !== null ? x.image : x) as Record<string, unknown>;
  const tags = Array.isArray(img.tags)
    ? img.tags
    : Array.isArray(img.repoTags)
      ? img.repoTags
      : Array.isArray(img.RepoTags)
        ? img.RepoTags
        : [];
  const tag = tags.find((t): t is string => typeof t === 'string' && t !== '<none>:<none>');
  if (tag) return tag;
  for (const k of ['ref', 'name', 'id', 'Id']) if (typeof img[k] === 'string') return img[k];
  return undefined;
}
