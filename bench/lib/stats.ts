/** The upper middle sample (the median for an odd count); no samples is a broken run, not a number. */
export function median(xs: readonly number[]): number {
  return percentile(xs, 0.5, 'upper');
}

/**
 * The sample at fraction `p` of the sorted samples: rounded down (`lower`, for p95-style
 * figures) or up from the midpoint (`upper`, what `median` reports for an even count).
 */
export function percentile(xs: readonly number[], p: number, round: 'lower' | 'upper' = 'lower'): number {
  const s = [...xs].sort((a, b) => a - b);
  const i = round === 'upper' ? Math.floor(s.length * p) : Math.floor((s.length - 1) * p);
  const x = s[Math.min(s.length - 1, i)];
  if (x === undefined) throw new Error('no samples: the benchmark measured nothing');
  return x;
}
