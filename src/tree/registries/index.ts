import type * as vscode from 'vscode';
import type { Services } from '../../host/services';
import { sameSection } from '../../common/settings';
import { registryClient } from './credentials';
import { RegistriesSection } from './section';

export function createRegistriesSection(svc: () => Services): RegistriesSection {
  return new RegistriesSection({
    registries: () => svc().settings.current.registries.registries,
    client: (r) => registryClient(svc(), r),
  });
}

export function registerRegistries(svc: Services): vscode.Disposable[] {
  return [
    svc.tree.addSection(svc.registries),
    svc.settings.onDidChange(({ previous, current }) => {
      if (!sameSection(previous.registries, current.registries)) void svc.registries.refresh();
    }),
  ];
}
