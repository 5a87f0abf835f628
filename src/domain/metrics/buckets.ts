import { DateTime } from 'luxon'

export type BucketUnit = 'hour' | 'day' | 'week'

/**
 * Bucket starts covering [from, to), aligned to the tenant's time zone (a "day" is a local
 * calendar day). The first bucket starts at or before `from`.
 */
export function bucketStarts(from: Date, to: Date, unit: BucketUnit, zone: string): Date[] {
  const out: Date[] = []
  let t = DateTime.fromJSDate(from, { zone }).startOf(unit === 'week' ? 'week' : unit)
  const end = to.getTime()
  while (t.toMillis() < end) {
    out.push(t.toJSDate())
    t = t.plus({ [`${unit}s`]: 1 })
  }
  return out
}

/** Index of the bucket holding `at` (starts sorted ascending), or -1 when outside [starts[0], end). */
export function bucketIndex(starts: readonly Date[], end: Date, at: Date): number {
  const x = at.getTime()
  if (starts.length === 0 || x < starts[0]!.getTime() || x >= end.getTime()) return -1
  let lo = 0
  let hi = starts.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (starts[mid]!.getTime() <= x) lo = mid
    else hi = mid - 1
  }
  return lo
}

/**
 * How many ranges cover each of n positions (1-based, inclusive ranges, each with a
 * multiplicity): a difference array, so the cost is ranges + n rather than ranges × n.
 */
export function coverageCounts(n: number, ranges: ReadonlyArray<{ lo: number; hi: number; count: number }>): number[] {
  const delta = new Array<number>(n + 2).fill(0)
  for (const r of ranges) {
    const lo = Math.max(1, r.lo)
    const hi = Math.min(n, r.hi)
    if (lo > hi) continue
    delta[lo]! += r.count
    delta[hi + 1]! -= r.count
  }
  const out: number[] = []
  let running = 0
  for (let i = 1; i <= n; i++) {
    running += delta[i]!
    out.push(running)
  }
  return out
}
