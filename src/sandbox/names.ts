import * as crypto from 'crypto';
import * as path from 'path';

/** Engine labels that mark everything a sandbox owns; the tree and cleanup find things by them. */
export const LABEL = {
  sandbox: 'dev.podvisor.sandbox',
  level: 'dev.podvisor.sandbox.level',
  source: 'dev.podvisor.sandbox.source',
  workspace: 'dev.podvisor.sandbox.workspace',
  workspaceTarget: 'dev.podvisor.sandbox.workspaceTarget',
  user: 'dev.podvisor.sandbox.user',
  role: 'dev.podvisor.sandbox.role',
  /** 0 for the main container (it owns the network), 1… for a Pod's other containers. */
  index: 'dev.podvisor.sandbox.index',
  /** The spec as JSON, so restart/rebuild and re-attach work after a window reload. */
  spec: 'dev.podvisor.sandbox.spec',
  /** On images Podvisor built for a sandbox (removed with it, or on a failed launch). */
  built: 'dev.podvisor.sandbox.built',
} as const;

const NAME_RE = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

export function isSandboxName(s: string): boolean {
  return NAME_RE.test(s);
}

/** A valid sandbox name from anything (folder names, Pod names, image refs). */
export function sandboxName(raw: string, salt?: string): string {
  let base = raw
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '');
  if (!base) base = 'sandbox';
  base = base.slice(0, 40);
  const suffix = salt ? '-' + crypto.createHash('sha256').update(salt).digest('hex').slice(0, 6) : '';
  return base + suffix;
}

/** The engine name of a sandbox's container. */
export function containerName(sandbox: string, container?: string): string {
  return container ? `pv-sbx-${sandbox}-${container}` : `pv-sbx-${sandbox}`;
}

/** The tag of an image Podvisor builds for a sandbox. */
export function builtImageTag(sandbox: string, container: string): string {
  return `podvisor-sandbox/${sandbox}-${container}:latest`.toLowerCase();
}

/** A name for a workspace folder: its basename plus a short hash of its path (two clones differ). */
export function nameForWorkspace(folder: string): string {
  return sandboxName(path.basename(folder), path.resolve(folder));
}
