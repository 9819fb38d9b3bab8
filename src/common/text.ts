/** The first line of a (multi-line) message, e.g. a parser's error without its code frame. */
export function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return nl < 0 ? text : text.slice(0, nl);
}

/**
 * A value read from YAML, JSON or an error, as text for a message or a comparison: strings as
 * they are, other scalars as `String` writes them, objects as JSON (not "[object Object]").
 */
export function textOf(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'undefined':
      return '';
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'symbol':
      return v.toString();
    case 'function':
      return `[function ${v.name}]`;
    default:
      if (v === null) return '';
      if (v instanceof Error) return v.message;
      try {
        return JSON.stringify(v);
      } catch {
        return '[unprintable object]'; // a cycle
      }
  }
}

/** Bytes as a short size (`512 MiB`, `3.8 GiB`). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i] ?? 'B'}`;
}
