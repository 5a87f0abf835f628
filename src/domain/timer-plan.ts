import type { Policy } from './policy.js'
import { isCustomerFacing } from './case-state.js'
import { escalationStep, holdForQuietHours, nextReminderAt, resolveWaitRule } from './due-time.js'
import type { CaseState, ServiceType } from './types.js'

export type TimerStep = 'remind' | 'escalate_owner' | 'escalate_supervisor' | 'auto_close'

export interface TimerSubject {
  state: CaseState
  serviceType: ServiceType
  stateEnteredAt: Date
  /** timers already fired in this state entry */
  reminderCount: number
}

/**
 * The next timer of a case in its current state: when, and what it will do. Customer-facing
 * reminders wait out quiet hours and non-working days; escalations to the team do not.
 */
export function planTimer(c: TimerSubject, policy: Policy): { at: Date; step: TimerStep } | null {
  const rule = resolveWaitRule(policy, c.state, c.serviceType)
  if (!rule) return null
  const at = nextReminderAt(rule, c.stateEnteredAt, c.reminderCount)
  const step = escalationStep(c.reminderCount, rule)
  if (step === 'remind') return { at: isCustomerFacing(c.state) ? holdForQuietHours(at, policy) : at, step }
  if (step === 'escalate_owner' || step === 'escalate_supervisor') return { at, step }
  // the ladder is used up: optionally close a case the customer never answered
  if (policy.autoClose.enabled && isCustomerFacing(c.state)) return { at, step: 'auto_close' }
  return null
}

/** Deterministic job id: re-scheduling the same timer never duplicates it (no ':' for BullMQ). */
export function timerJobId(caseId: number, stateVersion: number, attempt: number): string {
  return `timer-${caseId}-${stateVersion}-${attempt}`
}
