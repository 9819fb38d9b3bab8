import type * as vscode from 'vscode';
import type { Logger } from '../common/log';
import type { SettingsStore } from '../host/settingsStore';
import type { ContainersSection } from '../tree/containers/section';
import { ManifestLanguage } from './manifestLanguage';
import { registerManifestProviders } from './providers';

export { ManifestLanguage } from './manifestLanguage';

/**
 * Local image names for `containerDisk.image` completion: the container store's current list when
 * the Containers section is running, else one request to the engine (which also starts it).
 */
function imageLister(containers: ContainersSection): () => Promise<string[]> {
  return async () => {
    const cached = containers.store?.images;
    const images = cached && cached.length ? cached : await (await containers.client()).listImages();
    return images.flatMap((i) => i.repoTags).filter((t) => t && !t.includes('<none>'));
  };
}

/** The manifest language: the engine adapter (diagnostics) and its providers. */
export function createManifestLanguage(
  context: vscode.ExtensionContext,
  log: Logger,
  settings: SettingsStore,
  containers?: ContainersSection,
): ManifestLanguage {
  return new ManifestLanguage({
    context,
    log,
    settings,
    ...(containers ? { listImageNames: imageLister(containers) } : {}),
  });
}

export function registerManifestLanguage(lang: ManifestLanguage): vscode.Disposable[] {
  return [lang, ...registerManifestProviders(lang)];
}
