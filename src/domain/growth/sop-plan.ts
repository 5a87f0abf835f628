import { occurrencesBetween, type CronSchedule } from './cron-schedule.js'

/** how far back a tick looks for occurrences it never recorded (a worker down for days) */
export const SOP_LOOKBACK_MS = 7 * 86_400_000

/** What a tick does with one occurrence of an item in a group. */
export interface PlannedOccurrence {
  dueAt: Date
  /** post it now, or record it as missed (too late, or a newer one of the same item is due) */
  action: 'post' | 'missed'
}

/**
 * The occurrences of one item in one group a tick at `now` records. Scanned from the newest due
 * time already recorded (the first tick of an item: its window back, so nothing due before
 * tracking began counts as missed), at most a week back. Within the window the newest one is posted — the catch-up after
 * a worker was down — and older ones are missed (one item is never posted twice in a row for one
 * lapse); past the window they are missed.
 */
export function planOccurrences(p: { schedule: CronSchedule; timeZone: string; now: Date; windowMs: number; lastRecorded: Date | null }): PlannedOccurrence[] {
  const floor = new Date(p.now.getTime() - SOP_LOOKBACK_MS)
  const from = p.lastRecorded ?? new Date(p.now.getTime() - p.windowMs)
  const due = occurrencesBetween(p.schedule, p.timeZone, from < floor ? floor : from, p.now)
  const cutoff = p.now.getTime() - p.windowMs
  const newestInWindow = [...due].reverse().find((d) => d.getTime() >= cutoff)
  return due.map((dueAt) => ({ dueAt, action: dueAt === newestInWindow ? 'post' : 'missed' }))
}

/** Posted on time: queued within `graceMs` of its due time (a post held for quiet hours is late). */
export function isOnTime(dueAt: Date, postedAt: Date, graceMs: number): boolean {
  return postedAt.getTime() - dueAt.getTime() <= graceMs
}
