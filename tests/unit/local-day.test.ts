import { describe, expect, it } from 'vitest'
import { localClock, localDay } from '../../src/domain/local-day.js'

describe('localDay and localClock', () => {
  const at = new Date('2026-12-06T20:30:00Z')

  it('read the instant in each zone asked for, whichever zone was asked first', () => {
    // formatters are kept per zone: a cache keyed wrongly would answer Shanghai's day for UTC
    expect(localDay(at, 'Asia/Shanghai')).toBe('2026-12-07')
    expect(localDay(at, 'UTC')).toBe('2026-12-06')
    expect(localDay(at, 'Asia/Shanghai')).toBe('2026-12-07')
    expect(localClock(at, 'Asia/Shanghai')).toBe('04:30')
    expect(localClock(at, 'America/New_York')).toBe('15:30')
    expect(localClock(new Date('2026-12-06T16:00:00Z'), 'Asia/Shanghai')).toBe('00:00')
  })

  it('answer null for an invalid date and refuse an unknown zone', () => {
    expect(localDay(new Date('nope'), 'Asia/Shanghai')).toBeNull()
    expect(() => localDay(at, 'Mars/Olympus')).toThrow(RangeError)
    // a refused zone is not remembered: asking again still throws
    expect(() => localDay(at, 'Mars/Olympus')).toThrow(RangeError)
  })
})
