import * as path from 'path';
import * as vscode from 'vscode';
import type { ComposeProject } from '../../backends/docker/compose';
import { UserError } from '../../common/errors';
import { processRunner } from '../../common/process';
import type { Services } from '../../host/services';
import type { EngineView } from '../../tree/containers/engine';
import { ContainerGroupNode, ContainerNode } from '../../tree/containers/nodes';
import { engineTarget } from '../docker/engineTarget';

/** What a Compose command acts on: a project on an engine, maybe one service. */
export interface ComposeTarget {
  readonly engine: EngineView;
  readonly project: ComposeProject;
  readonly label: string;
  readonly service?: string;
  /** The project has containers on the engine now (an up that fails then is not undone). */
  readonly hasContainers: boolean;
}

/** Compose's default project name for a folder: its name, lowercased, only [a-z0-9_-]. */
export function defaultProjectName(dir: string): string {
  return (
    path
      .basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '') || 'default'
  );
}

/**
 * From the tree (a Compose group, or a container of a project: that service), from a compose
 * file (its URI, from the explorer or the CodeLens), or a project name passed by a test.
 */
export async function composeTarget(svc: Services, args: unknown[]): Promise<ComposeTarget> {
  const [first, opts] = args;
  const m = svc.containers.module();
  if (first instanceof ContainerGroupNode && first.composeProject) {
    const engine = svc.containers.engine(first.engine.key);
    if (!engine) throw new UserError(vscode.l10n.t('That engine is no longer shown'));
    const c = engine.containers().find((x) => x.composeProject === first.composeProject);
    const project = (c && m.projectOfLabels(c.labels)) ?? { name: first.composeProject };
    return { engine, project, label: first.composeProject, hasContainers: true };
  }
  if (first instanceof ContainerNode && first.info.composeProject) {
    const engine = svc.containers.engine(first.engine.key);
    if (!engine) throw new UserError(vscode.l10n.t('That engine is no longer shown'));
    const project = m.projectOfLabels(first.info.labels) ?? { name: first.info.composeProject };
    return {
      engine,
      project,
      label: first.info.composeProject,
      service: first.info.composeService,
      hasContainers: true,
    };
  }
  let file: string | undefined;
  if (first instanceof vscode.Uri) file = first.fsPath;
  else if (typeof first === 'string' && path.isAbsolute(first)) file = first;
  else if (!first) file = vscode.window.activeTextEditor?.document.uri.fsPath;
  if (!file || !/\.ya?ml$/i.test(file))
    throw new UserError(vscode.l10n.t('Open or pick a Compose file (compose.yaml, docker-compose.yml).'));
  const engine = await engineTarget(
    svc,
    (opts as { engine?: string } | undefined)?.engine,
    vscode.l10n.t('Engine to run the project on'),
  );
  const name = (opts as { name?: string } | undefined)?.name ?? defaultProjectName(path.dirname(file));
  await engine.client().catch(() => undefined);
  await engine.store?.idle();
  const hasContainers = engine.containers().some((c) => c.composeProject === name);
  return { engine, project: { name, files: [file] }, label: name, hasContainers };
}

/** The Compose CLI for an engine, as the setting says (found once per call: cheap, and settings may change). */
export async function composeFor(svc: Services, engine: EngineView, signal?: AbortSignal) {
  const m = svc.containers.module();
  const s = svc.settings.current.docker;
  const ep = engine.endpoint;
  const env = {
    runner: processRunner,
    engine: { host: engine.host, tlsDir: ep?.tlsDir, tlsVerify: ep?.tlsVerify },
    dockerPath: s.dockerPath || undefined,
  };
  const cli = await m.resolveComposeCli(env, s.composeCommand, signal);
  return new m.Compose(cli, env);
}

/** Compose's progress lines: into the log, the latest one into the notification. */
export function progressLines(svc: Services, report: (m: string) => void): (line: string) => void {
  return (line) => {
    svc.log.info(`[compose] ${line}`);
    report(line.trim().slice(0, 120));
  };
}
