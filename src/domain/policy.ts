import type { CaseState, ServiceType } from './types.js'

/** Who a timeout escalates to, in the order a wait rule lists them. */
export const ESCALATION_TARGETS = ['owner', 'supervisor'] as const
export type EscalationTarget = (typeof ESCALATION_TARGETS)[number]

/** The states a case can wait in; each has its own wait rule (`completed`/`cancelled` wait for nothing). */
export const TIMED_STATES = [
  'requested',
  'waiting_customer_material',
  'waiting_contact_coordination',
  'waiting_executor',
  'waiting_review',
  'waiting_partner',
  'material_received',
] as const satisfies readonly CaseState[]
export type TimedState = (typeof TIMED_STATES)[number]

/** How long a waiting state may last and what happens when it runs over (durations like "4h"). */
export interface WaitRule {
  dueIn: string
  firstReminderAfter: string
  remindEvery: string
  remindersBeforeEscalation: number
  escalation: EscalationTarget[]
}

/** A wait rule with per-service-type overrides of any of its fields. */
export interface WaitRuleWithOverrides extends WaitRule {
  byServiceType: Partial<Record<ServiceType, Partial<WaitRule>>>
}

/** A tenant's service policy: its clock, quiet hours, wait rules and what may be sent without review. */
export interface Policy {
  /** IANA time zone every date a person reads is shown in */
  timezone: string
  /** "HH:MM" in `timezone`: no reminders go out between start and end */
  quietHours: { start: string; end: string }
  /** ISO weekdays (1 = Monday … 7 = Sunday) */
  workingDays: number[]
  waits: Record<TimedState, WaitRuleWithOverrides>
  /** template categories that may be sent without review (a team starts with none) */
  automaticCategories: string[]
  autoClose: { enabled: boolean; finalNoticeAfter: string }
  draftExpiry: string
}
