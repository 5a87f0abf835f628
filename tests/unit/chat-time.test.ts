import { describe, expect, it } from 'vitest'
import { formatTime } from '../../src/app/commands/case-card.js'

describe('times in chat', () => {
  it("are shown in the tenant's time zone, not the server's or a fixed one", () => {
    const at = new Date('2026-11-20T23:30:00Z')
    expect(formatTime(at, '-', 'Asia/Shanghai')).toBe('11/21 07:30')
    expect(formatTime(at, '-', 'Europe/London')).toBe('11/20 23:30')
    expect(formatTime(null, '无', 'Asia/Shanghai')).toBe('无')
  })
})
