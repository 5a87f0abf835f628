import { DateTime } from 'luxon'

/**
 * A small cron-style schedule ("minute hour day-of-month month day-of-week"): numbers, `*`,
 * lists (1,15), ranges (1-5) and steps (*\/10, 8-18/2); day-of-week 0–7 with 0 and 7 Sunday.
 * Like cron, when both day fields are restricted a day matching either one runs. Written here
 * rather than taken from cron-parser, which is only in node_modules as BullMQ's dependency.
 */
export interface CronSchedule {
  minutes: ReadonlySet<number>
  hours: ReadonlySet<number>
  days: ReadonlySet<number>
  months: ReadonlySet<number>
  weekdays: ReadonlySet<number>
  dayRestricted: boolean
  weekdayRestricted: boolean
}

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 7 },
] as const

/** The schedule, or the reason the expression is not one (for a config error). */
export function parseCron(expr: string): { ok: true; schedule: CronSchedule } | { ok: false; error: string } {
  const parts = expr.trim().split(/\s+/)
  if (parts.length !== 5) return { ok: false, error: `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}` }
  const sets: Array<Set<number>> = []
  for (const [i, f] of FIELDS.entries()) {
    const set = parseField(parts[i]!, f.min, f.max)
    if (!set) return { ok: false, error: `bad ${f.name} field ${JSON.stringify(parts[i])} (allowed ${f.min}-${f.max})` }
    sets.push(set)
  }
  const weekdays = new Set([...sets[4]!].map((d) => (d === 7 ? 0 : d)))
  return {
    ok: true,
    schedule: { minutes: sets[0]!, hours: sets[1]!, days: sets[2]!, months: sets[3]!, weekdays, dayRestricted: parts[2] !== '*', weekdayRestricted: parts[4] !== '*' },
  }
}

function parseField(field: string, min: number, max: number): Set<number> | null {
  const out = new Set<number>()
  for (const item of field.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item)
    if (!m) return null
    const step = m[4] === undefined ? 1 : Number(m[4])
    const from = m[1] === '*' ? min : Number(m[2])
    // "5/15" runs from 5 to the end, as in cron
    const to = m[1] === '*' ? max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? max : from
    if (step < 1 || from < min || to > max || from > to) return null
    for (let v = from; v <= to; v += step) out.add(v)
  }
  return out
}

function dayMatches(s: CronSchedule, day: DateTime): boolean {
  const dom = s.days.has(day.day)
  const dow = s.weekdays.has(day.weekday % 7)
  if (s.dayRestricted && s.weekdayRestricted) return dom || dow
  return dom && dow
}

/**
 * Every instant in (after, until] the schedule names, in `timeZone`, oldest first; at most
 * `limit` (the newest ones are kept when there are more).
 */
export function occurrencesBetween(s: CronSchedule, timeZone: string, after: Date, until: Date, limit = 1000): Date[] {
  const out: Date[] = []
  if (until <= after) return out
  const hours = [...s.hours].sort((a, b) => a - b)
  const minutes = [...s.minutes].sort((a, b) => a - b)
  let day = DateTime.fromJSDate(after, { zone: timeZone }).startOf('day')
  const last = DateTime.fromJSDate(until, { zone: timeZone }).startOf('day')
  while (day <= last) {
    if (s.months.has(day.month) && dayMatches(s, day)) {
      for (const h of hours)
        for (const m of minutes) {
          const at = day.set({ hour: h, minute: m }).toJSDate()
          if (at > after && at <= until) out.push(at)
        }
    }
    day = day.plus({ days: 1 })
  }
  return out.length > limit ? out.slice(out.length - limit) : out
}
