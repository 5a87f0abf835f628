import { describe, expect, it } from 'vitest'
import { classifyPuppetError, isSilent, resetDelayMs } from '../../src/domain/resilience/connection-health.js'

describe('puppet errors, as the watchdog reads them', () => {
  it.each([
    [{ message: '14 UNAVAILABLE: Connection dropped' }, 'unavailable'],
    [{ message: 'No connection established', code: 14 }, 'unavailable'],
    [{ message: '1 CANCELLED: Cancelled on client' }, 'cancelled'],
    [{ message: 'once(status)', code: 1 }, 'cancelled'],
    [{ message: '16 UNAUTHENTICATED: Invalid Wechaty TOKEN "insecure_x"' }, 'token'],
    [{ message: 'token expired, please renew' }, 'token'],
    [{ message: 'Token 已过期' }, 'token'],
    [{ message: 'x', code: 16 }, 'token'],
    [{ message: 'contact not found' }, 'other'],
    [{ message: 'WatchdogAgent reset: lastFood: "{}"' }, 'other'],
  ])('%o is %s', (err, kind) => {
    expect(classifyPuppetError(err)).toBe(kind)
  })

  it('a token problem wins over the transport words around it', () => {
    expect(classifyPuppetError({ message: '14 UNAVAILABLE after 16 UNAUTHENTICATED: invalid token' })).toBe('token')
  })
})

describe('reset backoff and silence', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([0, 1, 2, 3, 10, 100].map((n) => resetDelayMs(n, 5000, 60_000))).toEqual([5000, 10_000, 20_000, 40_000, 60_000, 60_000])
  })

  it('counts silence from the last sign of life, or from the start when there was none', () => {
    const startedAt = new Date('2026-11-26T08:00:00Z')
    const at = (s: number) => new Date(startedAt.getTime() + s * 1000)
    expect(isSilent({ now: at(170), lastSignOfLife: null, startedAt, silentAfterMs: 180_000 })).toBe(false)
    expect(isSilent({ now: at(181), lastSignOfLife: null, startedAt, silentAfterMs: 180_000 })).toBe(true)
    expect(isSilent({ now: at(181), lastSignOfLife: at(100), startedAt, silentAfterMs: 180_000 })).toBe(false)
    expect(isSilent({ now: at(281), lastSignOfLife: at(100), startedAt, silentAfterMs: 180_000 })).toBe(true)
  })
})

describe('secrets in puppet errors', () => {
  it('are redacted: configured values verbatim and anything shaped like a Wechaty token', async () => {
    const { redactSecrets } = await import('../../src/domain/resilience/redact.js')
    expect(redactSecrets('16 UNAUTHENTICATED: Invalid Wechaty TOKEN "insecure_5b1c-77"')).toBe('16 UNAUTHENTICATED: Invalid Wechaty TOKEN "***"')
    expect(redactSecrets('token puppet_workpro_abc123 expired')).toBe('token puppet_*** expired')
    expect(redactSecrets('bad key s3cr3t-key here', ['s3cr3t-key'])).toBe('bad key *** here')
  })
})
