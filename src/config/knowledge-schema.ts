import { SERVICE_TYPES } from '../domain/types.js'
import { z } from 'zod'

export const TEMPLATE_CATEGORIES = [
  'material_request',
  'material_received',
  'material_partial',
  'schedule_update',
  'appointment_request',
  'appointment_confirmed',
  'progress_reply',
  'reminder',
  'completion_confirmation',
  'proof_request',
  'coordination_request',
  'partner_writeback',
  'generic_reply',
  'order_progress',
  'knowledge_answer',
] as const
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number]

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'expected an ISO date (YYYY-MM-DD)')

export const templateSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lowercase id'),
    version: z.number().int().positive(),
    category: z.enum(TEMPLATE_CATEGORIES),
    serviceTypes: z.array(z.enum(SERVICE_TYPES)).optional(),
    text: z.string().min(1),
    // campaign wording lives apart from evergreen policy: outside its dates it is never used
    validFrom: isoDate.optional(),
    validTo: isoDate.optional(),
  })
  .strict()

/**
 * A policy or campaign answer: the questions it answers (phrases found in the customer's text)
 * and the customer-safe answer. Campaign entries carry their dates and are never used outside
 * them; evergreen policy has none, so an expired promotion cannot hide among standing rules.
 */
export const answerEntrySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lowercase id'),
    version: z.number().int().positive(),
    kind: z.enum(['evergreen', 'campaign']),
    title: z.string().min(1),
    questions: z.array(z.string().min(2)).min(1),
    answer: z.string().min(1),
    serviceTypes: z.array(z.enum(SERVICE_TYPES)).optional(),
    validFrom: isoDate.optional(),
    validTo: isoDate.optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.kind === 'campaign' && (!e.validFrom || !e.validTo)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['validTo'], message: 'a campaign needs validFrom and validTo' })
    if (e.kind === 'evergreen' && (e.validFrom || e.validTo)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['kind'], message: 'an entry with dates is a campaign (kind: campaign)' })
    if (e.validFrom && e.validTo && e.validFrom.slice(0, 10) > e.validTo.slice(0, 10)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['validTo'], message: 'validTo is before validFrom' })
  })

export const knowledgeFileSchema = z
  .object({
    templates: z.array(templateSchema).optional(),
    materials: z.record(z.enum(SERVICE_TYPES), z.array(z.string().min(1))).optional(),
    completion: z.record(z.enum(SERVICE_TYPES), z.enum(['image', 'material', 'confirmation', 'none'])).optional(),
    forbiddenCommitments: z.array(z.string().min(1)).optional(),
    internalJargon: z.array(z.string().min(1)).optional(),
    allowedLinkHosts: z.array(z.string().min(1)).optional(),
    entries: z.array(answerEntrySchema).optional(),
    /** words that make a question one about a campaign ("活动", "优惠"): with no entry that fits, a person answers */
    campaignWords: z.array(z.string().min(1)).optional(),
  })
  .strict()

export type TemplateEntry = z.infer<typeof templateSchema> & { hash: string; file: string }

export type AnswerEntry = z.infer<typeof answerEntrySchema> & { hash: string; file: string }

export interface Knowledge {
  /** latest version of each template id */
  templates: TemplateEntry[]
  materials: Partial<Record<(typeof SERVICE_TYPES)[number], string[]>>
  completion: Partial<Record<(typeof SERVICE_TYPES)[number], 'image' | 'material' | 'confirmation' | 'none'>>
  guard: { forbiddenCommitments: string[]; internalJargon: string[]; allowedLinkHosts: string[] }
  /** latest version of each policy/campaign entry */
  entries: AnswerEntry[]
  campaignWords: string[]
}
