/** Typed reads of devcontainer.json values; each failure names the key it is about. */
import { UserError } from '../../common/errors';

export type Json = Record<string, unknown>;

export function obj(v: unknown, where: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new UserError(`${where} must be an object`);
  return v as Json;
}

export function optStr(o: Json, key: string, where = key): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UserError(`${where} must be a string`);
  return v;
}

export function optBool(o: Json, key: string, where = key): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new UserError(`${where} must be true or false`);
  return v;
}

/** String values; numbers and booleans are written as text (as the CLIs do). */
export function strMap(v: unknown, where: string): Record<string, string> {
  const o = obj(v, where);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(o)) {
    if (typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
    else if (typeof x === 'string') out[k] = x;
    else throw new UserError(`${where}.${k} must be a string`);
  }
  return out;
}

export function strList(v: unknown, where: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw new UserError(`${where} must be an array of strings`);
  return v;
}

/** A string or an array of strings, as one list. */
export function strOrList(v: unknown, where: string): string[] {
  if (typeof v === 'string') return [v];
  return strList(v, where);
}

export function mapValues(o: Record<string, string>, f: (s: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}
