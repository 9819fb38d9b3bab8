/**
 * A container sandbox as the view sees it, made from the engine's containers that carry its
 * label. Labels are read with runtime checks: a label someone edited or an older Podvisor wrote
 * differently gives a sandbox with a `problem`, never a crash or a half-cast value.
 */
import type { ContainerInfo } from '../backends/docker/model';
import { LABEL } from './names';
import { parseSandboxSource, readSandboxSpec } from './specParse';
import {
  ISOLATION_LEVELS,
  type IsolationLevel,
  type SandboxInfo,
  type SandboxSource,
  type SandboxSpec,
} from './types';

/** The main container (index 0, it owns the network) last, so stop/remove take siblings first. */
export function mainLast(cs: readonly ContainerInfo[]): ContainerInfo[] {
  const idx = (c: ContainerInfo) => Number(c.labels[LABEL.index] ?? 0) || 0;
  return [...cs].sort((a, b) => idx(b) - idx(a));
}

/** The spec a sandbox was created from (its main container's label), checked. */
export function specOfContainers(cs: readonly ContainerInfo[]): { spec?: SandboxSpec; problem?: string } {
  const main = mainLast(cs).reverse()[0];
  if (!main) return { problem: 'no containers' };
  return readSandboxSpec(main.labels[LABEL.spec], `label ${LABEL.spec}`);
}

function stateOf(cs: readonly ContainerInfo[]): SandboxInfo['state'] {
  const states = cs.map((c) => c.rawState);
  if (states.every((s) => s === 'running')) return 'running';
  if (states.includes('created') && !states.includes('exited')) return 'created';
  if (states.some((s) => s === 'running')) return 'failed';
  return 'stopped';
}

export function sandboxInfoOf(name: string, cs: readonly ContainerInfo[]): SandboxInfo {
  const main = mainLast(cs).reverse()[0];
  if (!main) throw new Error(`sandbox ${name} has no containers`);
  const problems: string[] = [];
  let source: SandboxSource = { kind: 'image', label: main.image };
  try {
    source = parseSandboxSource(JSON.parse(main.labels[LABEL.source] ?? ''), `label ${LABEL.source}`);
  } catch (e) {
    problems.push(e instanceof SyntaxError ? `label ${LABEL.source} is not JSON` : (e as Error).message);
  }
  const rawLevel = main.labels[LABEL.level] ?? 'container';
  let level: IsolationLevel = 'container';
  if ((ISOLATION_LEVELS as readonly string[]).includes(rawLevel) && rawLevel !== 'microvm')
    level = rawLevel as IsolationLevel;
  else problems.push(`label ${LABEL.level} "${rawLevel}" is not a container isolation level`);
  const { problem } = specOfContainers(cs);
  if (problem) problems.push(problem);
  const ws = main.labels[LABEL.workspace];
  const wsTarget = main.labels[LABEL.workspaceTarget];
  return {
    name,
    level,
    source,
    state: stateOf(cs),
    ports: cs.flatMap((c) =>
      c.ports
        .filter((p) => (p.publicPort ?? 0) > 0)
        .map((p) => ({
          container: p.privatePort,
          host: p.publicPort ?? 0,
          hostIp: p.ip ?? '',
          protocol: p.type,
        })),
    ),
    ids: cs.map((c) => c.id),
    ...(ws ? { workspace: ws } : {}),
    ...(wsTarget ? { workspaceTarget: wsTarget } : {}),
    createdAt: new Date(main.created).toISOString(),
    ...(problems.length ? { problem: problems.join('; ') } : {}),
  };
}

/** The short-lived containers a launch uses to copy files out of an image: labelled, but no sandbox. */
export function isHelperContainer(c: ContainerInfo): boolean {
  const role = c.labels[LABEL.role];
  return role === 'export' || role === 'extract';
}

/** Groups sandbox containers by sandbox name (helpers excluded). */
export function groupSandboxContainers(all: Iterable<ContainerInfo>): Map<string, ContainerInfo[]> {
  const by = new Map<string, ContainerInfo[]>();
  for (const c of all) {
    const n = c.labels[LABEL.sandbox];
    if (!n || isHelperContainer(c)) continue;
    by.set(n, [...(by.get(n) ?? []), c]);
  }
  return by;
}
