/**
 * Mounts as devcontainer.json and features write them (Docker `--mount` strings or objects),
 * checked: never the engine's socket, never the host's system folders, valid volume names.
 */
import * as path from 'path';
import { UserError } from '../../common/errors';
import type { MountSpec } from '../types';
import { obj } from './read';

/** Docker `--mount` syntax: `source=…,target=…,type=bind[,readonly]`. */
export function parseMount(s: string, where: string): MountSpec {
  const kv: Record<string, string> = {};
  let ro = false;
  for (const part of s.split(',')) {
    const i = part.indexOf('=');
    if (i < 0) {
      if (part === 'readonly' || part === 'ro') ro = true;
      else if (part) throw new UserError(`${where}: cannot read mount option "${part}" in "${s}"`);
      continue;
    }
    kv[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return mountObject(
    {
      type: kv.type ?? 'volume',
      source: kv.source ?? kv.src ?? '',
      target: kv.target ?? kv.dst ?? kv.destination ?? '',
      readonly: ro || kv.readonly === 'true' || kv.ro === 'true',
    },
    where,
    (x) => x,
  );
}

export function mountObject(v: unknown, where: string, sub: (s: string) => string): MountSpec {
  const o = obj(v, where);
  const type = typeof o.type === 'string' ? o.type : 'volume';
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs')
    throw new UserError(`${where}: mount type ${type} is not supported (bind, volume, tmpfs)`);
  const source = typeof o.source === 'string' ? sub(o.source) : '';
  const target = typeof o.target === 'string' ? sub(o.target) : '';
  if (!target.startsWith('/')) throw new UserError(`${where}: mount target must be an absolute path`);
  if (type !== 'tmpfs' && !source) throw new UserError(`${where}: mount needs a source`);
  if (/docker\.sock$|containerd\.sock$|podman\.sock$/.test(source) || /^\/(var\/)?run\/docker/.test(source)) {
    throw new UserError(
      `${where}: mounting the container engine's socket (${source}) would let the sandbox control the host; refused`,
    );
  }
  if (
    type === 'bind' &&
    (path.resolve(source) === '/' || /^\/(proc|sys|dev|boot|etc)(\/|$)/.test(path.resolve(source)))
  ) {
    throw new UserError(`${where}: bind-mounting the host's ${source} into a sandbox is refused`);
  }
  if (type === 'volume' && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(source))
    throw new UserError(`${where}: "${source}" is not a valid volume name`);
  return {
    type,
    source: type === 'bind' ? path.resolve(source) : source,
    target,
    readonly: o.readonly === true || o.readonly === 'true',
  };
}

/** A mounts list (strings or objects), each with variables substituted. */
export function mountList(v: unknown, where: string, sub: (s: string) => string): MountSpec[] {
  if (!Array.isArray(v)) throw new UserError(`${where} must be an array`);
  return v.map((m, i) =>
    typeof m === 'string' ? parseMount(sub(m), `${where}[${i}]`) : mountObject(m, `${where}[${i}]`, sub),
  );
}
