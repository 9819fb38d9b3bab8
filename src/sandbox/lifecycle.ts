import type { LifecycleCommand } from './types';

/**
 * A devcontainer lifecycle command (`"a && b"`, `["a","b"]`, or `{ "x": …, "y": … }`) as one
 * command. The object form runs its entries in parallel in the spec; here they run in order,
 * which is the conservative reading, and a note says so.
 */
export function lifecycleCommand(v: unknown, key: string, notes: string[]): LifecycleCommand | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.trim() ? { shell: v } : undefined;
  if (Array.isArray(v)) {
    if (!v.every((x) => typeof x === 'string') || v.length === 0)
      throw new TypeError(`${key} must be a string or an array of strings`);
    return { argv: v };
  }
  if (typeof v === 'object') {
    const parts: string[] = [];
    for (const [name, c] of Object.entries(v as Record<string, unknown>)) {
      const one = lifecycleCommand(c, `${key}.${name}`, notes);
      if (!one) continue;
      parts.push('shell' in one ? one.shell : one.argv.map(shQuote).join(' '));
    }
    if (parts.length > 1)
      notes.push(`${key}: the object form runs its commands one after another here, not in parallel`);
    return parts.length ? { shell: parts.map((p) => `(${p})`).join(' && ') } : undefined;
  }
  throw new TypeError(`${key} must be a string, an array or an object`);
}

/** The argv that runs a lifecycle command in the sandbox. */
export function argvOf(c: LifecycleCommand): string[] {
  return 'shell' in c ? ['/bin/sh', '-c', c.shell] : [...c.argv];
}

/** POSIX single-quoting, for the one place a command line is shown or sent over a serial line. */
export function shQuote(s: string): string {
  return /^[A-Za-z0-9_./=:,+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
