// Constructing an Intl.DateTimeFormat costs far more than formatting with one (it resolves the
// locale and loads the zone's rules): the benchmark found a new one per call was the single
// largest cost of deciding a message. One formatter per time zone, kept for the process's life.
const days = new Map<string, Intl.DateTimeFormat>()
const clocks = new Map<string, Intl.DateTimeFormat>()

function cached(cache: Map<string, Intl.DateTimeFormat>, timeZone: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = cache.get(timeZone)
  if (!f) {
    // an unknown zone throws a RangeError, as before, and caches nothing
    f = make()
    cache.set(timeZone, f)
  }
  return f
}

/** YYYY-MM-DD of an instant in a time zone (null for an invalid date). */
export function localDay(at: Date, timeZone: string): string | null {
  if (Number.isNaN(at.getTime())) return null
  return cached(days, timeZone, () => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })).format(at)
}

/** HH:MM (24 h) of an instant in a time zone. */
export function localClock(at: Date, timeZone: string): string {
  return cached(clocks, timeZone, () => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })).format(at)
}
