import { CASE_STATES, PARTIES, SERVICE_TYPES } from '../../domain/types.js'
import { z } from './openapi.js'
import { isStorableText } from '../../domain/storable-text.js'

/** Request and response shapes of /api/v1 (validated with zod; the same schemas feed the OpenAPI document). */

const DRAFT_STATUSES = ['pending', 'approved', 'edited', 'rejected', 'taken_over', 'sent_direct', 'expired', 'superseded'] as const

export const idParam = z.object({
  id: z.coerce.number({ invalid_type_error: 'expected a positive integer' }).int('expected a positive integer').positive('expected a positive integer').max(Number.MAX_SAFE_INTEGER),
})

const boolString = z.enum(['true', 'false']).transform((v) => v === 'true')

/** Text PostgreSQL can hold: a NUL or a lone surrogate is a 400 naming the field, not a 500 from the database. */
const storable = (s: z.ZodString) => s.refine(isStorableText, 'must not contain a NUL character or a lone surrogate (U+D800–U+DFFF)')

export const caseListQuery = z
  .object({
    state: z.enum(CASE_STATES).optional(),
    party: z.enum(PARTIES).optional(),
    owner: storable(z.string().min(1).max(200)).optional().openapi({ description: 'person id (WeCom id) of the owner, or api:<token name>' }),
    overdue: boolString.optional().openapi({ description: 'true: open cases past their due time; false: the others' }),
    open: boolString.optional().openapi({ description: 'true: cases not closed yet; false: closed ones (default: both)' }),
    group: storable(z.string().min(1).max(200)).optional().openapi({ description: "group key: the customer's group or the partner's group" }),
    partner: storable(z.string().min(1).max(200)).optional().openapi({ description: 'partner key' }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict()

export const draftListQuery = z
  .object({
    status: z.enum([...DRAFT_STATUSES, 'all']).default('pending'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict()

export const sessionBody = z.object({ token: storable(z.string().min(1).max(512)) }).strict()
export const approveBody = z
  .object({ force: z.boolean().optional().openapi({ description: 'send the edit the leak guard blocked (supervisor only); without it the original draft, as shown for review, is sent' }) })
  .strict()
export const editBody = z.object({ text: storable(z.string().trim().min(1, 'must not be empty').max(4000)) }).strict()
export const rejectBody = z.object({ reason: storable(z.string().trim().max(500)).optional() }).strict()
/** take and recall take no body; an empty object (or none) is accepted. */
export const emptyBody = z.object({}).strict()

export const attentionListQuery = z
  .object({
    caseId: z.coerce
      .number({ invalid_type_error: 'expected a positive integer' })
      .int('expected a positive integer')
      .positive('expected a positive integer')
      .max(Number.MAX_SAFE_INTEGER)
      .optional()
      .openapi({ description: 'only the open items of this case' }),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    order: z.enum(['newest', 'oldest']).default('newest').openapi({ description: 'oldest: the order a person works through the queue' }),
  })
  .strict()
export const replyAttentionBody = z.object({ text: storable(z.string().trim().min(1, 'must not be empty').max(4000)) }).strict()
export const openCaseAttentionBody = z
  .object({
    serviceType: z.enum(SERVICE_TYPES),
    customer: storable(z.string().min(1).max(200)).optional().openapi({ description: 'customer key, for an item Baton could not place' }),
  })
  .strict()
export const clearAttentionBody = z.object({ note: storable(z.string().trim().max(500)).optional().openapi({ description: "what was done, kept with the item and in the case's evidence trail" }) }).strict()

const ref = z.object({ key: z.string(), name: z.string() }).openapi('Ref', { description: 'a directory entry: its key (or WeCom id) and display name' })

export const caseSummary = z
  .object({
    id: z.number().int(),
    customer: ref,
    serviceType: z.enum(SERVICE_TYPES),
    state: z.enum(CASE_STATES),
    waitingParty: z.enum(PARTIES),
    owner: ref.nullable(),
    partner: ref.nullable(),
    groupKey: z.string().nullable().openapi({ description: "the customer's group" }),
    groupName: z.string().nullable().openapi({ description: "the customer's group by its topic" }),
    contact: ref.nullable(),
    executor: ref.nullable(),
    dueAt: z.string().datetime().nullable(),
    overdue: z.boolean(),
    reminderCount: z.number().int(),
    createdAt: z.string().datetime(),
    updatedAt: z.string().datetime(),
    labels: z.object({ serviceType: z.string(), state: z.string(), waitingParty: z.string() }).openapi({ description: 'Chinese labels from config/wording/labels.yaml' }),
  })
  .openapi('CaseSummary')
export type CaseSummary = z.infer<typeof caseSummary>

export const caseDetail = caseSummary
  .extend({
    orderNo: z.string().nullable(),
    missingItems: z.array(z.string()),
    cancellationReason: z.string().nullable(),
    stateEnteredAt: z.string().datetime(),
    nextTimerAt: z.string().datetime().nullable(),
    customerCompletedAt: z.string().datetime().nullable(),
    writebackAt: z.string().datetime().nullable(),
    closedAt: z.string().datetime().nullable(),
    attentionSince: z.string().datetime().nullable().openapi({ description: 'since when an attention item of the case waits for a person; null when none' }),
  })
  .openapi('CaseDetail')

export const evidenceView = z
  .object({
    seq: z.number().int(),
    kind: z.string(),
    actor: z.string(),
    actorName: z.string().openapi({ description: 'who acted, by name (config/wording/evidence.yaml for non-persons)' }),
    sentence: z.string().openapi({ description: 'the event told as one Chinese sentence, times in policy.timezone' }),
    at: z.string().datetime(),
    payload: z.record(z.unknown()),
  })
  .openapi('EvidenceView')

export const draftSummary = z
  .object({
    id: z.number().int(),
    caseId: z.number().int().nullable(),
    category: z.string(),
    mode: z.enum(['send_direct', 'review_before_send']),
    targetGroupKey: z.string(),
    targetGroupName: z.string(),
    text: z.string().openapi({ description: 'the customer-safe draft' }),
    finalText: z.string().nullable().openapi({ description: 'what was (or, after a blocked edit, would be) sent' }),
    original: z.string().nullable().openapi({ description: 'the internal source message; never for customers' }),
    source: z
      .object({ speaker: z.string(), group: z.string().nullable() })
      .nullable()
      .openapi({ description: 'who said the message the draft answers, and in which group (by name; null group: a direct chat)' }),
    risks: z.array(z.string()),
    riskLabels: z.array(z.string()),
    candidates: z.array(z.number().int()),
    status: z.enum(DRAFT_STATUSES),
    createdAt: z.string().datetime(),
    expiresAt: z.string().datetime().nullable(),
    decidedBy: z.string().nullable(),
    decidedByName: z.string().nullable().openapi({ description: 'who decided, by name' }),
    decidedAt: z.string().datetime().nullable(),
  })
  .openapi('DraftSummary')
export type DraftSummary = z.infer<typeof draftSummary>

export const attentionItem = z
  .object({
    id: z.number().int(),
    messageId: z.number().int(),
    caseId: z.number().int().nullable(),
    customer: ref.nullable(),
    group: ref.extend({ kind: z.string().nullable() }).nullable().openapi({ description: 'where it was said (with the group kind: customer, public_customer, partner, internal); null for a direct chat' }),
    speaker: ref.openapi({ description: 'who said it' }),
    reasons: z.array(z.string()).openapi({ description: 'risk-flag codes' }),
    reasonLabels: z.array(z.string()).openapi({ description: 'the reasons in Chinese (labels.riskFlags)' }),
    text: z.string().openapi({ description: 'the original message; internal, never for customers' }),
    notified: z.boolean().openapi({ description: 'whether the internal group was told (a repeat within the same open matter is only queued)' }),
    status: z.enum(['open', 'cleared']),
    createdAt: z.string().datetime(),
    clearedAt: z.string().datetime().nullable(),
    clearedBy: z.string().nullable(),
    clearNote: z.string().nullable(),
  })
  .openapi('AttentionItem')
export type AttentionItem = z.infer<typeof attentionItem>
export const attentionList = z.object({ items: z.array(attentionItem), total: z.number().int().openapi({ description: 'open items matching, beyond the limit' }) })
export const clearOutcome = z.object({ result: z.literal('cleared'), item: attentionItem })

export const caller = z.object({ name: z.string(), role: z.enum(['viewer', 'handler', 'supervisor']) }).openapi('Caller')
export const caseList = z.object({ items: z.array(caseSummary), total: z.number().int() })
export const caseDetailBody = z.object({
  case: caseDetail,
  timeline: z.array(evidenceView),
  drafts: z.array(draftSummary),
  attention: z.array(attentionItem).openapi({ description: "the case's open attention items, newest first" }),
})
export const evidenceExport = z.object({
  case: z.record(z.unknown()),
  verified: z.boolean(),
  broken: z.array(z.object({ caseId: z.number(), eventId: z.number(), seq: z.number(), reason: z.string() })),
  events: z.array(z.record(z.unknown())),
})
export const draftList = z.object({ items: z.array(draftSummary) })
const leakHit = z.object({ kind: z.string(), match: z.string() })
export const reviewOutcome = z.object({
  result: z.enum(['sent', 'edit_blocked', 'rejected', 'taken_over']),
  draft: draftSummary,
  hits: z.array(leakHit).optional().openapi({ description: 'what the leak guard found (edit_blocked only)' }),
  sent: z
    .enum(['draft', 'original', 'forced_edit', 'edit'])
    .optional()
    .openapi({ description: 'which text went out (sent only): the draft as shown, the original after a blocked edit, the forced blocked edit, a clean edit' }),
})
export const recallOutcome = z.object({ result: z.enum(['recalled', 'not_recalled']), draftId: z.number().int(), caseId: z.number().int().nullable() })
