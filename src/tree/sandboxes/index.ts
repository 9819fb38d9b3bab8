import type { Logger } from '../../common/log';
import type { SettingsStore } from '../../host/settingsStore';
import type { ContainersSection } from '../containers/section';
import { SandboxesSection } from './section';

/** The Sandboxes section, on the Containers section's engine (not connected until shown or used). */
export function createSandboxesSection(
  log: Logger,
  settings: SettingsStore,
  storageDir: string,
  containers: ContainersSection,
): SandboxesSection {
  return new SandboxesSection({ log, settings: () => settings.current, storageDir, containers });
}
