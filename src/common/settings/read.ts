import * as os from 'os';
import * as path from 'path';

/** Reads a raw setting value (from VS Code, a test, or the CLI) by its full key. */
export type SettingReader = (key: string) => unknown;

export function str(get: SettingReader, key: string, def: string): string {
  const v = get(key);
  return typeof v === 'string' ? v.trim() : def;
}

export function oneOf<T extends string>(get: SettingReader, key: string, allowed: readonly T[], def: T): T {
  const v = get(key);
  return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : def;
}

export function num(get: SettingReader, key: string, def: number, min = -Infinity, max = Infinity): number {
  const v = get(key);
  return typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : def;
}

export function bool(get: SettingReader, key: string, def: boolean): boolean {
  const v = get(key);
  return typeof v === 'boolean' ? v : def;
}

export function strList(get: SettingReader, key: string, def: readonly string[]): readonly string[] {
  const v = get(key);
  return Array.isArray(v)
    ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim())
    : def;
}

/**
 * Where path settings are anchored: `~` means `home`, and a relative path is taken from `base`.
 * Both are the user's home folder unless a caller (a test) says otherwise: a setting means the
 * same file whichever workspace is open.
 */
export interface PathBase {
  readonly home: string;
  readonly base: string;
}

export function defaultPathBase(): PathBase {
  const home = os.homedir();
  return { home, base: home };
}

/**
 * The one normaliser for path settings: `~` and `~/x` expanded, a relative path resolved from
 * `at.base`, the result absolute and normalised; empty stays empty (the setting's default).
 * `~user/x` is not expanded (no lookup of other users): it is an ordinary relative name.
 */
export function normalisePath(p: string, at: PathBase): string {
  if (!p) return '';
  if (p === '~') return path.resolve(at.home);
  if (p.startsWith('~/')) return path.resolve(at.home, p.slice(2));
  return path.resolve(at.base, p);
}

/** A setting naming a file or folder, normalised (see `normalisePath`); '' when unset. */
export function pathSetting(get: SettingReader, key: string, at: PathBase): string {
  return normalisePath(str(get, key, ''), at);
}

/**
 * A setting naming a program: a bare name (`virsh`) is looked up on PATH when it runs, so it is
 * kept; anything with a slash or a `~` is a path and normalised. Unset: `def`.
 */
export function programSetting(get: SettingReader, key: string, def: string, at: PathBase): string {
  const v = str(get, key, '');
  if (!v) return def;
  return v.includes('/') || v.startsWith('~') ? normalisePath(v, at) : v;
}
