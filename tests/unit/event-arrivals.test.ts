import { describe, expect, it } from 'vitest'
import { EventArrivals } from '../../src/adapters/wecom/event-arrivals.js'

describe('EventArrivals', () => {
  it('gives each arrival once, at the time the event came', () => {
    const a = new EventArrivals()
    a.note('m1', 1000)
    a.note('m1', 5000) // a re-delivered event keeps its first arrival
    expect(a.take('m1')?.getTime()).toBe(1000)
    expect(a.take('m1')).toBeNull()
    expect(a.take('never')).toBeNull()
  })

  it('forgets arrivals whose payload never loaded once they are older than keepMs', () => {
    const a = new EventArrivals(60_000)
    a.note('lost', 0)
    a.note('young', 50_000)
    expect(a.size).toBe(2)
    a.note('later', 70_000)
    expect(a.take('lost')).toBeNull()
    expect(a.take('young')?.getTime()).toBe(50_000)
    expect(a.size).toBe(1)
  })

  it('never holds more than max entries, dropping the oldest first', () => {
    const a = new EventArrivals(3_600_000, 3)
    for (let i = 0; i < 10; i++) a.note(`m${i}`, i)
    expect(a.size).toBe(3)
    expect(a.take('m6')).toBeNull()
    expect(a.take('m7')?.getTime()).toBe(7)
  })
})
