import { describe, expect, it } from 'vitest'
import { policySchema } from '../../src/config/policy-schema.js'
import { waitingPartyOf } from '../../src/domain/case-state.js'
import { planTimer, timerJobId, type TimerStep } from '../../src/domain/timer-plan.js'
import { CASE_STATES, type CaseState, type Party } from '../../src/domain/types.js'

const policy = policySchema.parse({})
const withAutoClose = policySchema.parse({ autoClose: { enabled: true } })
const sh = (local: string) => new Date(`${local}+08:00`) // Asia/Shanghai has no DST
// Monday 09:00 in Shanghai: a working day, just after quiet hours end, so daytime timers are not held
const entered = sh('2026-12-07T09:00:00')
const H = 3_600_000

/** Every timer a case would get in one state entry: the ladder from the first reminder to the end. */
function ladder(state: CaseState, p = policy, at = entered): Array<[step: TimerStep, hoursAfterEntry: number]> {
  const out: Array<[TimerStep, number]> = []
  for (let reminderCount = 0; reminderCount < 10; reminderCount++) {
    const t = planTimer({ state, serviceType: 'after_sales', stateEnteredAt: at, reminderCount }, p)
    if (!t) break
    out.push([t.step, (t.at.getTime() - at.getTime()) / H])
    if (t.step === 'auto_close') break // closing the case ends its timers
  }
  return out
}

const teamLadder = (first: number, every: number): Array<[TimerStep, number]> => [
  ['remind', first],
  ['escalate_owner', first + every],
  ['escalate_supervisor', first + 2 * every],
]
// the customer side gets two reminders a day apart before the team is told
const customerLadder: Array<[TimerStep, number]> = [
  ['remind', 4],
  ['remind', 28],
  ['escalate_owner', 52],
  ['escalate_supervisor', 76],
]

/** Default policy; state × the party it waits on → the timers planned (step, hours after entering the state). */
const PLAN: Array<[CaseState, Party, Array<[TimerStep, number]>]> = [
  ['requested', 'team', teamLadder(1, 2)],
  ['waiting_customer_material', 'customer', customerLadder],
  ['waiting_contact_coordination', 'contact', customerLadder],
  ['waiting_executor', 'executor', customerLadder],
  ['waiting_review', 'team', teamLadder(1, 2)],
  ['waiting_partner', 'partner', teamLadder(4, 8)],
  ['material_received', 'team', teamLadder(2, 4)],
  ['completed', 'none', []],
  ['cancelled', 'none', []],
]

describe('planTimer: every state × waiting party', () => {
  it('the table covers every case state exactly once', () => {
    expect(PLAN.map(([s]) => s).sort()).toEqual([...CASE_STATES].sort())
  })

  it.each(PLAN)('%s (waits on %s) plans %j', (state, party, expected) => {
    expect(waitingPartyOf(state)).toBe(party)
    expect(ladder(state)).toEqual(expected)
  })

  /** With auto-close on, only a case waiting on the customer side is closed when its ladder is used up (one remindEvery after the last escalation). */
  const AUTO_CLOSE: Array<[CaseState, Party, number | null]> = [
    ['requested', 'team', null],
    ['waiting_customer_material', 'customer', 100],
    ['waiting_contact_coordination', 'contact', 100],
    ['waiting_executor', 'executor', 100],
    ['waiting_review', 'team', null],
    ['waiting_partner', 'partner', null],
    ['material_received', 'team', null],
    ['completed', 'none', null],
    ['cancelled', 'none', null],
  ]
  it.each(AUTO_CLOSE)('auto-close on: %s (waits on %s) ends with auto_close after %s h', (state, party, closeAfter) => {
    expect(waitingPartyOf(state)).toBe(party)
    const steps = ladder(state, withAutoClose)
    const last = steps.at(-1)
    if (closeAfter === null) expect(steps).toEqual(ladder(state))
    else {
      expect(last).toEqual(['auto_close', closeAfter])
      expect(steps.slice(0, -1)).toEqual(ladder(state))
    }
  })

  /**
   * Entered at 20:30 on a Monday: the first timer falls in quiet hours (21:00–09:00) for every
   * state but `requested`/`waiting_review`. Only reminders to the customer side wait for the morning.
   */
  const LATE: Array<[CaseState, Party, string | null]> = [
    ['requested', 'team', '2026-12-07T21:30:00'], // team reminder: not held
    ['waiting_customer_material', 'customer', '2026-12-08T09:00:00'], // 00:30 held to 09:00
    ['waiting_contact_coordination', 'contact', '2026-12-08T09:00:00'],
    ['waiting_executor', 'executor', '2026-12-08T09:00:00'],
    ['waiting_review', 'team', '2026-12-07T21:30:00'],
    ['waiting_partner', 'partner', '2026-12-08T00:30:00'], // the partner's reminder goes to the team: not held
    ['material_received', 'team', '2026-12-07T22:30:00'],
    ['completed', 'none', null],
    ['cancelled', 'none', null],
  ]
  it.each(LATE)('entered at 20:30: %s (waits on %s) first fires at %s', (state, party, local) => {
    expect(waitingPartyOf(state)).toBe(party)
    const t = planTimer({ state, serviceType: 'after_sales', stateEnteredAt: sh('2026-12-07T20:30:00'), reminderCount: 0 }, policy)
    expect(t?.at ?? null).toEqual(local === null ? null : sh(local))
    if (t) expect(t.step).toBe('remind')
  })

  it('escalations are never held for quiet hours, even on the customer side', () => {
    // waiting_customer_material entered 20:30: the first escalation (after two reminders) is due 20:30 + 52h = 00:30
    const t = planTimer({ state: 'waiting_customer_material', serviceType: 'after_sales', stateEnteredAt: sh('2026-12-07T20:30:00'), reminderCount: 2 }, policy)
    expect(t).toEqual({ step: 'escalate_owner', at: sh('2026-12-10T00:30:00') })
  })

  it('a non-working day holds a customer reminder to the next working morning', () => {
    const weekdays = policySchema.parse({ workingDays: [1, 2, 3, 4, 5] })
    // Friday 09:00 + 4h = Friday 13:00 (working); the second reminder, Saturday 13:00, waits for Monday 09:00
    const at = sh('2026-12-11T09:00:00')
    const plan = (reminderCount: number) => planTimer({ state: 'waiting_executor', serviceType: 'after_sales', stateEnteredAt: at, reminderCount }, weekdays)
    expect(plan(0)).toEqual({ step: 'remind', at: sh('2026-12-11T13:00:00') })
    expect(plan(1)).toEqual({ step: 'remind', at: sh('2026-12-14T09:00:00') })
  })

  it("a service type's override changes only its own ladder", () => {
    const p = policySchema.parse({
      waits: {
        waiting_partner: {
          dueIn: '8h',
          firstReminderAfter: '4h',
          remindEvery: '8h',
          remindersBeforeEscalation: 1,
          escalation: ['owner', 'supervisor'],
          byServiceType: { appointment: { firstReminderAfter: '1h', escalation: ['supervisor'] } },
        },
      },
    })
    const steps = (serviceType: 'appointment' | 'after_sales') =>
      [0, 1, 2]
        .map((reminderCount) => planTimer({ state: 'waiting_partner', serviceType, stateEnteredAt: entered, reminderCount }, p))
        .map((t) => (t ? [t.step, (t.at.getTime() - entered.getTime()) / H] : null))
    expect(steps('appointment')).toEqual([['remind', 1], ['escalate_supervisor', 9], null])
    expect(steps('after_sales')).toEqual([
      ['remind', 4],
      ['escalate_owner', 12],
      ['escalate_supervisor', 20],
    ])
  })

  it('timer job ids are deterministic and BullMQ-safe', () => {
    expect(timerJobId(42, 3, 1)).toBe('timer-42-3-1')
    expect(timerJobId(42, 3, 1)).not.toMatch(/:/)
  })
})
