import * as vscode from 'vscode';
import type { ContainerInfo } from '../../backends/docker/model';
import type { Services } from '../../host/services';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { containerTargets } from './targets';

type Action = 'start' | 'stop' | 'restart' | 'pause' | 'unpause';

/** A lifecycle command: targets, then the engine call under a cancellable progress. */
export function lifecycleCommand(
  id: string,
  action: Action,
  applies: (c: ContainerInfo) => boolean,
  title: (name: string) => string,
  placeHolder: string,
): Command {
  return {
    id,
    async execute(svc: Services, ...args: unknown[]) {
      const targets = await containerTargets(svc, args, applies, placeHolder);
      await withProgress(
        targets.length === 1
          ? title(targets[0].name)
          : title(vscode.l10n.t('{0} containers', targets.length)),
        async (signal) => {
          // One at a time: the engine serializes them anyway, and the first error stops the rest.
          for (const c of targets)
            await (await c.engine.client()).containerAction(action, c.id, { signal, label: c.name });
        },
      );
    },
  };
}
