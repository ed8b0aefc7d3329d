// Order statistics for the figures: nearest-rank percentiles, median.

/** Nearest-rank percentile (p in 0..100) of `values`; undefined when empty. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export const median = (values: readonly number[]) => percentile(values, 50);

export interface Summary {
  n: number;
  min?: number;
  p50?: number;
  p90?: number;
  p99?: number;
  max?: number;
}

export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    min: values.length ? Math.min(...values) : undefined,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: values.length ? values.reduce((a, b) => Math.max(a, b), -Infinity) : undefined,
  };
}

/** Rounds to `digits` decimals, keeping undefined. */
export function round(v: number | undefined, digits = 3): number | undefined {
  if (v === undefined || !Number.isFinite(v)) return undefined;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
