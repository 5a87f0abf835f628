/**
 * The growth page's two rates (issue 20). Pure: counts in, a fraction (0..1, three decimals) out,
 * or null when nothing was there to count — "no posts due" is not "0 % on time".
 */

/** SOP posts on time among the occurrences already decided: sent (on time or late), missed or failed. */
export function sopOnTimeRate(c: { onTime: number; sent: number; missed: number; failed: number }): number | null {
  return fraction(c.onTime, c.sent + c.missed + c.failed)
}

/** Flow runs completed among the runs that ended: completed or exited (still running: not counted yet). */
export function flowCompletionRate(c: { completed: number; exited: number }): number | null {
  return fraction(c.completed, c.completed + c.exited)
}

function fraction(n: number, d: number): number | null {
  return d === 0 ? null : Math.round((n / d) * 1000) / 1000
}
