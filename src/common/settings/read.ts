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
