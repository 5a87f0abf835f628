import { describe, expect, it } from 'vitest'
import { currentRate, initialThrottle, onRefused, onSent, shouldReport, throttleMatcher, waitBeforeSend } from '../../src/domain/resilience/send-throttle.js'

const o = { perMinute: 20, cooldownMs: 60_000 }

describe('"too frequent" refusals', () => {
  it('are recognised by configurable patterns, case-insensitively', () => {
    const is = throttleMatcher('20001|操作过于频繁|too frequent')
    expect(is('WorkPro error 20001: send failed')).toBe(true)
    expect(is('发送失败：操作过于频繁，请稍后再试')).toBe(true)
    expect(is('Request Too Frequent')).toBe(true)
    expect(is('contact not found')).toBe(false)
    expect(throttleMatcher(' | ')('anything')).toBe(false)
  })

  it('halve the rate and pause sending, longer for each refusal in a row', () => {
    let s = onRefused(initialThrottle(), 1000, o)
    expect(currentRate(s, o)).toBe(10)
    expect(waitBeforeSend(s, 1000, o)).toBe(60_000)
    s = onRefused(s, 2000, o)
    expect(currentRate(s, o)).toBe(5)
    expect(waitBeforeSend(s, 2000, o)).toBe(120_000)
  })

  it('never go below one message a minute', () => {
    let s = initialThrottle()
    for (let i = 0; i < 20; i++) s = onRefused(s, i, o)
    expect(currentRate(s, o)).toBeCloseTo(1)
  })

  it('after the pause, sends are spaced at the lowered rate', () => {
    let s = onRefused(initialThrottle(), 0, o)
    s = onSent(s, 60_000, o)
    // 10 a minute = one every 6 s
    expect(waitBeforeSend(s, 61_000, o)).toBe(5000)
    expect(waitBeforeSend(s, 66_000, o)).toBe(0)
  })

  it('recover by a quarter per calm cool-down until the full rate, which closes the episode', () => {
    let s = onRefused(initialThrottle(), 0, o)
    s = { ...s, reported: true }
    const rates: number[] = []
    // the pause ends at 60 s; each calm minute after it is one step
    for (let t = 120_000; s.factor < 1; t += 60_000) {
      s = onSent(s, t, o)
      rates.push(Math.round(currentRate(s, o) * 100) / 100)
    }
    expect(rates).toEqual([12.5, 15.63, 19.53, 20])
    expect(s.refusals).toBe(0)
    expect(s.reported).toBe(false)
  })

  it('are reported once per episode, when they reach the threshold', () => {
    let s = initialThrottle()
    const reports: number[] = []
    for (let i = 1; i <= 6; i++) {
      s = onRefused(s, i, o)
      if (shouldReport(s, 3)) {
        reports.push(i)
        s = { ...s, reported: true }
      }
    }
    expect(reports).toEqual([3])
  })
})
