import { describe, expect, it } from 'vitest'
import { appointmentParts } from '../../src/domain/appointment-time.js'

describe('appointmentParts', () => {
  it('reads the local date, weekday and clock from the stored window', () => {
    expect(appointmentParts({ start: '2026-11-28T09:00:00+08:00', end: '2026-11-28T12:00:00+08:00' })).toEqual({ month: 11, day: 28, weekday: 6, from: '09:00', to: '12:00' })
    // a Sunday is 7, and the offset never moves the day
    expect(appointmentParts({ start: '2026-11-29T23:30:00-05:00', end: '2026-11-30T01:30:00-05:00' })).toMatchObject({ day: 29, weekday: 7, from: '23:30', to: '01:30' })
  })
})
