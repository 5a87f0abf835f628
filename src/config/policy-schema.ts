import { z } from 'zod'
import { parseDuration } from '../domain/duration.js'
import { ESCALATION_TARGETS, type Policy, type TimedState, type WaitRule } from '../domain/policy.js'
import { SERVICE_TYPES } from '../domain/types.js'
import type { SameType } from '../domain/type-equals.js'

const duration = z.string().refine((s) => parseDuration(s) !== null, { message: 'expected a duration like "30m", "4h" or "2d"' })
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time "HH:MM"')

const waitRule = z
  .object({
    dueIn: duration,
    firstReminderAfter: duration,
    remindEvery: duration,
    remindersBeforeEscalation: z.number().int().min(0).max(20),
    escalation: z.array(z.enum(ESCALATION_TARGETS)),
  })
  .strict()

const waitRuleWithOverrides = waitRule.extend({
  byServiceType: z.record(z.enum(SERVICE_TYPES), waitRule.partial().strict()).default({}),
})

const DEFAULT_WAITS = {
  requested: { dueIn: '2h', firstReminderAfter: '1h', remindEvery: '2h', remindersBeforeEscalation: 1, escalation: ['owner', 'supervisor'] },
  waiting_customer_material: { dueIn: '24h', firstReminderAfter: '4h', remindEvery: '24h', remindersBeforeEscalation: 2, escalation: ['owner', 'supervisor'] },
  waiting_contact_coordination: { dueIn: '24h', firstReminderAfter: '4h', remindEvery: '24h', remindersBeforeEscalation: 2, escalation: ['owner', 'supervisor'] },
  waiting_executor: { dueIn: '24h', firstReminderAfter: '4h', remindEvery: '24h', remindersBeforeEscalation: 2, escalation: ['owner', 'supervisor'] },
  waiting_review: { dueIn: '2h', firstReminderAfter: '1h', remindEvery: '2h', remindersBeforeEscalation: 1, escalation: ['owner', 'supervisor'] },
  waiting_partner: { dueIn: '8h', firstReminderAfter: '4h', remindEvery: '8h', remindersBeforeEscalation: 1, escalation: ['owner', 'supervisor'] },
  material_received: { dueIn: '4h', firstReminderAfter: '2h', remindEvery: '4h', remindersBeforeEscalation: 1, escalation: ['owner', 'supervisor'] },
} as const satisfies Record<TimedState, WaitRule>

export const policySchema = z
  .object({
    timezone: z.string().default('Asia/Shanghai'),
    quietHours: z.object({ start: hhmm, end: hhmm }).strict().default({ start: '21:00', end: '09:00' }),
    workingDays: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5, 6, 7]),
    waits: z
      .object({
        requested: waitRuleWithOverrides.default(DEFAULT_WAITS.requested as never),
        waiting_customer_material: waitRuleWithOverrides.default(DEFAULT_WAITS.waiting_customer_material as never),
        waiting_contact_coordination: waitRuleWithOverrides.default(DEFAULT_WAITS.waiting_contact_coordination as never),
        waiting_executor: waitRuleWithOverrides.default(DEFAULT_WAITS.waiting_executor as never),
        waiting_review: waitRuleWithOverrides.default(DEFAULT_WAITS.waiting_review as never),
        waiting_partner: waitRuleWithOverrides.default(DEFAULT_WAITS.waiting_partner as never),
        material_received: waitRuleWithOverrides.default(DEFAULT_WAITS.material_received as never),
      })
      .strict()
      .default({}),
    /** template categories that may be sent without review (a team starts with none) */
    automaticCategories: z.array(z.string().min(1)).default([]),
    autoClose: z
      .object({ enabled: z.boolean().default(false), finalNoticeAfter: duration.default('24h') })
      .strict()
      .default({}),
    draftExpiry: duration.default('24h'),
  })
  .strict()

// the domain owns the words: the schema must produce exactly the domain's types
const waitRuleMatchesDomain: SameType<z.infer<typeof waitRule>, WaitRule> = true
const policyMatchesDomain: SameType<z.infer<typeof policySchema>, Policy> = true
void [waitRuleMatchesDomain, policyMatchesDomain]
