/**
 * Kubernetes resource quantities (`500m`, `1.5Gi`, `2e3`, `128974848`), parsed exactly enough to
 * check well-formedness and compare requests with limits.
 */
const RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = { m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** The quantity's value as a number (fine for comparisons), or undefined when malformed. */
export function parseQuantity(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = RE.exec(v.trim());
  if (!m || v.trim() !== v) return undefined;
  const n = Number(m[2]) * (m[1] === '-' ? -1 : 1);
  const suffix = m[3] ?? '';
  const scale = BINARY[suffix] ?? DECIMAL[suffix];
  if (scale !== undefined) return n * scale;
  return n * 10 ** Number(suffix.slice(1));
}

/** Why a quantity is malformed, in the user's terms, or undefined when it is fine. */
export function quantityProblem(v: unknown): string | undefined {
  if (parseQuantity(v) !== undefined) return undefined;
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^\d+(\.\d+)?\s*(KB|MB|GB|TB|kb|mb|gb|KiB|MiB|GiB|TiB|ki|mi|gi)$/.test(t)) {
      const unit = t.replace(/^[\d.\s]+/, '');
      const fix = {
        KB: 'k',
        kb: 'k',
        MB: 'M',
        mb: 'M',
        GB: 'G',
        gb: 'G',
        TB: 'T',
        KiB: 'Ki',
        MiB: 'Mi',
        GiB: 'Gi',
        TiB: 'Ti',
        ki: 'Ki',
        mi: 'Mi',
        gi: 'Gi',
      }[unit];
      return `unit \`${unit}\` is not a Kubernetes suffix${fix ? ` (use \`${fix}\`)` : ''}`;
    }
    if (/\s/.test(v)) return 'quantities contain no spaces';
  }
  return 'expected a number with an optional suffix (m, k, M, G, Ki, Mi, Gi, …)';
}
