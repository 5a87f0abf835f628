/** A visit window's local parts, for the words a customer reads ("12月14日（周一）08:30–10:30"). */
export interface AppointmentParts {
  month: number
  day: number
  /** 1 = Monday … 7 = Sunday */
  weekday: number
  /** HH:MM, local */
  from: string
  to: string
}

/**
 * The parts of a window stored as ISO 8601 with the tenant's offset (appointment-window.ts writes
 * them so): the local date and clock are the text itself, no time zone lookup needed.
 */
export function appointmentParts(window: { start: string; end: string }): AppointmentParts {
  const [y, m, d] = window.start.slice(0, 10).split('-').map(Number) as [number, number, number]
  const utcDay = new Date(Date.UTC(y, m - 1, d)).getUTCDay()
  return { month: m, day: d, weekday: utcDay === 0 ? 7 : utcDay, from: window.start.slice(11, 16), to: window.end.slice(11, 16) }
}
