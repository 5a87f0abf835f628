import { DateTime } from 'luxon'
import type { Policy, WaitRule } from './policy.js'
import { isCustomerFacing, isTerminal } from './case-state.js'
import { parseDuration } from './duration.js'
import type { CaseState, ServiceType } from './types.js'

type WaitState = keyof Policy['waits']

/** The wait rule of a state, with the service type's overrides merged in; null when none applies. */
export function resolveWaitRule(policy: Policy, state: CaseState, serviceType: ServiceType): WaitRule | null {
  if (isTerminal(state)) return null
  const base = policy.waits[state as WaitState]
  if (!base) return null
  const { byServiceType, ...rule } = base
  return { ...rule, ...(byServiceType[serviceType] ?? {}) }
}

const ms = (d: string): number => parseDuration(d) ?? 0

/** When a case entering `state` at `enteredAt` is due; customer-facing dues avoid quiet hours. */
export function computeDueAt(p: { state: CaseState; serviceType: ServiceType; enteredAt: Date; policy: Policy }): Date | null {
  const rule = resolveWaitRule(p.policy, p.state, p.serviceType)
  if (!rule) return null
  const due = new Date(p.enteredAt.getTime() + ms(rule.dueIn))
  return isCustomerFacing(p.state) ? holdForQuietHours(due, p.policy) : due
}

/** The time of the next reminder after `remindersSent` reminders. */
export function nextReminderAt(rule: WaitRule, enteredAt: Date, remindersSent: number): Date {
  return new Date(enteredAt.getTime() + ms(rule.firstReminderAfter) + remindersSent * ms(rule.remindEvery))
}

/** What the next timer firing should do. */
export function escalationStep(remindersSent: number, rule: WaitRule): 'remind' | 'escalate_owner' | 'escalate_supervisor' | 'done' {
  if (remindersSent < rule.remindersBeforeEscalation) return 'remind'
  const step = remindersSent - rule.remindersBeforeEscalation
  const target = rule.escalation[step]
  if (target === 'owner') return 'escalate_owner'
  if (target === 'supervisor') return 'escalate_supervisor'
  return 'done'
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number)
  return (h ?? 0) * 60 + (m ?? 0)
}

/** Inside the quiet window or on a non-working day, in the policy's time zone. */
export function isQuietTime(at: Date, policy: Policy): boolean {
  const local = DateTime.fromJSDate(at, { zone: policy.timezone })
  if (!policy.workingDays.includes(local.weekday)) return true
  const now = local.hour * 60 + local.minute
  const start = minutes(policy.quietHours.start)
  const end = minutes(policy.quietHours.end)
  if (start === end) return false
  // the window may wrap midnight (21:00–09:00)
  return start < end ? now >= start && now < end : now >= start || now < end
}

/** `at` itself when customers may be messaged then, else the next moment they may. */
export function holdForQuietHours(at: Date, policy: Policy): Date {
  if (!isQuietTime(at, policy)) return at
  let local = DateTime.fromJSDate(at, { zone: policy.timezone })
  const end = minutes(policy.quietHours.end)
  // step to the end of the current window, then skip non-working days (at most a week)
  for (let i = 0; i < 9; i++) {
    const endToday = local.startOf('day').plus({ minutes: end })
    local = endToday > local ? endToday : endToday.plus({ days: 1 })
    if (!isQuietTime(local.toJSDate(), policy)) return local.toJSDate()
  }
  return local.toJSDate()
}
