import * as vscode from 'vscode';
import type { Services } from '../../host/services';
import { loadLazy } from '../../host/lazy';
import { sameSection } from '../../common/settings';
import { ContainersSection, type DockerModule } from './section';
import { INSPECT_SCHEME, InspectProvider } from './inspectProvider';

/** Creates the Containers section (not yet connected: that happens when the view is shown). */
export function createContainersSection(
  log: Services['log'],
  settings: Services['settings'],
): ContainersSection {
  return new ContainersSection({
    log,
    settings: () => settings.current.docker,
    load: () => loadLazy<DockerModule>('docker'),
  });
}

/** Wires the section into the tree, the inspect documents, and settings changes. */
export function registerContainers(svc: Services): vscode.Disposable[] {
  const section = svc.containers;
  const provider = new InspectProvider(section);
  return [
    svc.tree.addSection(section),
    provider,
    vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, provider),
    svc.settings.onDidChange(({ previous, current }) => {
      if (sameSection(previous.docker, current.docker)) return;
      const a = previous.docker;
      const b = current.docker;
      void section.settingsChanged(
        a.host !== b.host || a.context !== b.context || a.safetyPollSeconds !== b.safetyPollSeconds,
      );
    }),
  ];
}
