import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { policySchema } from '../../src/config/policy-schema.js'
import { computeDueAt, escalationStep, holdForQuietHours, isQuietTime, resolveWaitRule } from '../../src/domain/due-time.js'
import { formatDuration, parseDuration } from '../../src/domain/duration.js'

const policy = policySchema.parse({})
const sh = (local: string) => new Date(`${local}+08:00`) // Asia/Shanghai has no DST

describe('durations', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['4h', 14_400_000],
    ['2d', 172_800_000],
    ['1d12h', 129_600_000],
    ['2小时', 7_200_000],
    ['30分钟', 1_800_000],
    ['1天', 86_400_000],
    ['１ｈ', 3_600_000],
  ])('%s = %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms))
  it.each(['', 'h', '0m', '-1h', 'soon', '4x', '1h then'])('rejects %j', (text) => expect(parseDuration(text)).toBeNull())
  it('formats in Chinese', () => expect(formatDuration(9_000_000)).toBe('2小时30分钟'))
})

describe('quiet hours (21:00–09:00 Asia/Shanghai by default)', () => {
  it.each([
    ['2026-11-25T20:59:00', false],
    ['2026-11-25T21:00:00', true],
    ['2026-11-26T08:59:00', true],
    ['2026-11-26T09:00:00', false],
  ])('%s quiet: %s', (local, quiet) => expect(isQuietTime(sh(local), policy)).toBe(quiet))

  it('holds a 21:00 reminder until 09:00 the next day and an 08:59 one until 09:00', () => {
    expect(holdForQuietHours(sh('2026-11-25T21:00:00'), policy)).toEqual(sh('2026-11-26T09:00:00'))
    expect(holdForQuietHours(sh('2026-11-26T08:59:00'), policy)).toEqual(sh('2026-11-26T09:00:00'))
    expect(holdForQuietHours(sh('2026-11-26T10:00:00'), policy)).toEqual(sh('2026-11-26T10:00:00'))
  })

  it('skips non-working days and honours another time zone', () => {
    const weekdays = policySchema.parse({ workingDays: [1, 2, 3, 4, 5], timezone: 'Europe/Berlin', quietHours: { start: '20:00', end: '08:00' } })
    // Friday 2026-11-27 21:00 Berlin → Monday 2026-11-30 08:00 Berlin
    expect(holdForQuietHours(new Date('2026-11-27T20:00:00Z'), weekdays)).toEqual(new Date('2026-11-30T07:00:00Z'))
  })

  it('never returns a quiet moment or an earlier one (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2026-01-01'), max: new Date('2027-12-31') }), (d) => {
        const held = holdForQuietHours(d, policy)
        return held >= d && !isQuietTime(held, policy)
      }),
    )
  })
})

describe('wait rules', () => {
  it('merges per-service-type overrides', () => {
    const p = policySchema.parse({
      waits: { waiting_customer_material: { dueIn: '24h', firstReminderAfter: '4h', remindEvery: '24h', remindersBeforeEscalation: 2, escalation: ['owner'], byServiceType: { appointment: { dueIn: '2h' } } } },
    })
    expect(resolveWaitRule(p, 'waiting_customer_material', 'appointment')?.dueIn).toBe('2h')
    expect(resolveWaitRule(p, 'waiting_customer_material', 'after_sales')?.dueIn).toBe('24h')
    expect(resolveWaitRule(p, 'completed', 'after_sales')).toBeNull()
  })
  it('computes due times, held out of quiet hours only for customer-facing states', () => {
    expect(computeDueAt({ state: 'waiting_customer_material', serviceType: 'after_sales', enteredAt: sh('2026-11-25T22:00:00'), policy })).toEqual(sh('2026-11-27T09:00:00'))
    expect(computeDueAt({ state: 'waiting_partner', serviceType: 'after_sales', enteredAt: sh('2026-11-25T20:00:00'), policy })).toEqual(sh('2026-11-26T04:00:00'))
    expect(computeDueAt({ state: 'completed', serviceType: 'after_sales', enteredAt: sh('2026-11-25T20:00:00'), policy })).toBeNull()
  })
  it('escalates after the configured reminders: owner, then supervisor', () => {
    const rule = resolveWaitRule(policy, 'waiting_customer_material', 'after_sales')!
    expect([0, 1, 2, 3, 4].map((n) => escalationStep(n, rule))).toEqual(['remind', 'remind', 'escalate_owner', 'escalate_supervisor', 'done'])
  })
  it('reports a bad policy with its path', () => {
    const r = policySchema.safeParse({ quietHours: { start: '25:00', end: '09:00' } })
    expect(r.success).toBe(false)
    expect(r.error?.issues[0]?.path).toEqual(['quietHours', 'start'])
  })
})
