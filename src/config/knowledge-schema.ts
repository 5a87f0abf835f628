import { z } from 'zod'
import { ANSWER_KINDS, COMPLETION_PROOFS, TEMPLATE_CATEGORIES, type AnswerFields, type TemplateFields } from '../domain/knowledge.js'
import { SERVICE_TYPES } from '../domain/types.js'
import type { SameType } from '../domain/type-equals.js'

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
    kind: z.enum(ANSWER_KINDS),
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
    completion: z.record(z.enum(SERVICE_TYPES), z.enum(COMPLETION_PROOFS)).optional(),
    forbiddenCommitments: z.array(z.string().min(1)).optional(),
    internalJargon: z.array(z.string().min(1)).optional(),
    allowedLinkHosts: z.array(z.string().min(1)).optional(),
    entries: z.array(answerEntrySchema).optional(),
    /** words that make a question one about a campaign ("活动", "优惠"): with no entry that fits, a person answers */
    campaignWords: z.array(z.string().min(1)).optional(),
  })
  .strict()

// the domain owns the words: the schemas must produce exactly the domain's entry types
const templateMatchesDomain: SameType<z.infer<typeof templateSchema>, TemplateFields> = true
const answerMatchesDomain: SameType<z.infer<typeof answerEntrySchema>, AnswerFields> = true
void [templateMatchesDomain, answerMatchesDomain]
