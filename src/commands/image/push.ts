import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../common/errors';
import { withProgress } from '../../host/progress';
import { engineAuth } from '../../tree/registries/credentials';
import type { Command } from '../command';
import { imageName, imageTarget } from './targets';

/**
 * Push Image: to a registry of podvisor.registries (the image is tagged `host/repo:tag` for it,
 * and that tag removed again if the push fails), or as named when its name has a registry.
 * A test passes `{ registry, repository }` as the third argument.
 */
export const pushImage: Command = {
  id: 'podvisor.image.push',
  async execute(svc, ...args) {
    const img = await imageTarget(svc, args, vscode.l10n.t('Image to push'));
    const m = svc.containers.module();
    const name = imageName(img);
    const given = args[2] as { registry?: string; repository?: string } | undefined;
    const regs = svc.settings.current.registries.registries;
    let host = given?.registry
      ? new URL(/^[a-z]+:\/\//.test(given.registry) ? given.registry : `https://${given.registry}`).host
      : undefined;
    if (!host) {
      const own = m.parseImageReference(name)?.registry;
      const items = [
        ...regs.map((r) => ({ label: r.name, description: r.url, host: new URL(r.url).host })),
        ...(own && !regs.some((r) => new URL(r.url).host === own)
          ? [{ label: own, description: vscode.l10n.t('from its name'), host: own }]
          : []),
      ];
      if (!items.length)
        throw new UserError(vscode.l10n.t('No registry to push to: add one (Podvisor: Add Registry…).'));
      const pick = await vscode.window.showQuickPick(items, {
        placeHolder: vscode.l10n.t('Registry to push {0} to', name),
      });
      if (!pick) throw new CancelledError();
      host = pick.host;
    }
    const ref = m.parseImageReference(name);
    const repo = given?.repository ?? ref?.repository ?? 'image';
    const target = `${host}/${repo}:${ref?.tag ?? 'latest'}`;
    const client = await img.engine.client();
    const auth = await engineAuth(svc, host);
    const digest = await withProgress(vscode.l10n.t('Pushing {0}', target), (signal, report) =>
      m.pushAs(client, name === `<none>` ? img.id : (img.repoTags[0] ?? img.id), target, {
        auth,
        signal,
        onProgress: (p) => report(`${p.id ? `${p.id}: ` : ''}${p.status}`),
      }),
    );
    svc.log.info(`pushed ${target}${digest ? ` (${digest})` : ''}`);
    const reg = regs.find((r) => new URL(r.url).host === host);
    if (reg) void svc.registries.refresh(reg.url);
    return target;
  },
};
