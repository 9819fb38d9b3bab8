import type { HookName, Lifecycle, LifecycleCommand, SimpleCommand } from './types';

/**
 * A devcontainer lifecycle command as the spec writes it: `"a && b"` (a shell string), `["a","b"]`
 * (an argv, no shell) or `{ "x": …, "y": … }` (named commands that run in parallel). Empty ones
 * are no command. Throws a TypeError naming the key when the shape is wrong.
 */
export function lifecycleCommand(v: unknown, key: string): LifecycleCommand | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object' && !Array.isArray(v)) {
    const parallel: Array<{ name: string; command: SimpleCommand }> = [];
    for (const [name, c] of Object.entries(v as Record<string, unknown>)) {
      const one = simpleCommand(c, `${key}.${name}`);
      if (one) parallel.push({ name, command: one });
    }
    return parallel.length ? { parallel } : undefined;
  }
  return simpleCommand(v, key);
}

function simpleCommand(v: unknown, key: string): SimpleCommand | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.trim() ? { shell: v } : undefined;
  if (Array.isArray(v)) {
    if (!v.every((x) => typeof x === 'string'))
      throw new TypeError(`${key} must be a string or an array of strings`);
    return v.length ? { argv: v } : undefined;
  }
  throw new TypeError(`${key} must be a string, an array of strings or an object of those`);
}

/** The hooks of a devcontainer.json-like object (devcontainer.json itself, a feature's metadata). */
export function lifecycleOf(j: Record<string, unknown>, origin: string, prefix = ''): Lifecycle {
  const out: Partial<Record<HookName, Array<{ origin: string; command: LifecycleCommand }>>> = {};
  for (const hook of [
    'onCreateCommand',
    'updateContentCommand',
    'postCreateCommand',
    'postStartCommand',
    'postAttachCommand',
  ] as const) {
    const c = lifecycleCommand(j[hook], `${prefix}${hook}`);
    if (c) out[hook] = [{ origin, command: c }];
  }
  return out;
}

/** `first`'s steps before `then`'s, hook by hook (features before devcontainer.json). */
export function mergeLifecycle(first: Lifecycle, then: Lifecycle): Lifecycle {
  const out: Partial<Record<HookName, ReadonlyArray<{ origin: string; command: LifecycleCommand }>>> = {};
  for (const k of new Set([...Object.keys(first), ...Object.keys(then)]) as Set<HookName>)
    out[k] = [...(first[k] ?? []), ...(then[k] ?? [])];
  return out;
}

/** The argv that runs a simple command. */
export function argvOf(c: SimpleCommand): string[] {
  return 'shell' in c ? ['/bin/sh', '-c', c.shell] : [...c.argv];
}

/**
 * One shell line for any command (a microVM's serial console, a log line). The parallel form
 * becomes background jobs whose exit codes are all checked.
 */
export function shellLineOf(c: LifecycleCommand): string {
  if ('shell' in c) return c.shell;
  if ('argv' in c) return c.argv.map(shQuote).join(' ');
  const jobs = c.parallel.map((p, i) => `( ${shellLineOf(p.command)} ) & p${i}=$!`).join('; ');
  const waits = c.parallel.map((_p, i) => `wait $p${i} || rc=$?`).join('; ');
  return `rc=0; ${jobs}; ${waits}; [ $rc -eq 0 ]`;
}

/** POSIX single-quoting, for the one place a command line is shown or sent over a serial line. */
export function shQuote(s: string): string {
  return /^[A-Za-z0-9_./=:,+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
