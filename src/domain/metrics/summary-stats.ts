/** Pure arithmetic for the weekly metrics: percentiles and rates (no I/O, no clock). */

export interface DurationSummary {
  median: number | null
  p90: number | null
  n: number
}

/**
 * The p-th percentile (0..1) with linear interpolation between closest ranks — the same
 * definition as PostgreSQL's percentile_cont, so SQL and code agree. null for no samples.
 */
export function percentile(samples: readonly number[], p: number): number | null {
  if (p < 0 || p > 1 || Number.isNaN(p)) throw new RangeError(`percentile must be within 0..1, got ${p}`)
  const xs = samples.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (xs.length === 0) return null
  const pos = p * (xs.length - 1)
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return xs[lo]! + (xs[hi]! - xs[lo]!) * (pos - lo)
}

/** Median, p90 and count of durations (ms), rounded to whole milliseconds. */
export function summarize(samples: readonly number[]): DurationSummary {
  const round = (x: number | null) => (x === null ? null : Math.round(x))
  return { median: round(percentile(samples, 0.5)), p90: round(percentile(samples, 0.9)), n: samples.filter((x) => Number.isFinite(x)).length }
}

/** part / whole, or null when nothing was counted (a rate of nothing is unknown, not 0). */
export function rate(part: number, whole: number): number | null {
  if (whole <= 0) return null
  return part / whole
}
