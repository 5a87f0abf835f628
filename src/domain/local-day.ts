/** YYYY-MM-DD of an instant in a time zone (null for an invalid date). */
export function localDay(at: Date, timeZone: string): string | null {
  if (Number.isNaN(at.getTime())) return null
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at)
}
