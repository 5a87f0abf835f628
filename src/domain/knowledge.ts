import type { DraftCategory, ProofRule } from './decide/decide-message.js'
import type { SameType } from './type-equals.js'
import type { ServiceType } from './types.js'

/** The categories of approved wording templates a draft can be composed from. */
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

/** What proves a service type's work is done before a case may complete. */
export const COMPLETION_PROOFS = ['image', 'material', 'confirmation', 'none'] as const
export type CompletionProof = (typeof COMPLETION_PROOFS)[number]

// a decision can only ask for a category knowledge has templates for, and its proof rules are these
const draftCategoriesAreTemplateCategories: SameType<Exclude<DraftCategory, TemplateCategory>, never> = true
const proofRulesAreCompletionProofs: SameType<ProofRule, CompletionProof> = true
void [draftCategoriesAreTemplateCategories, proofRulesAreCompletionProofs]

/** Evergreen policy answers stand; campaign answers hold only between their dates. */
export const ANSWER_KINDS = ['evergreen', 'campaign'] as const
export type AnswerKind = (typeof ANSWER_KINDS)[number]

/** An approved wording template as written in a knowledge file. */
export interface TemplateFields {
  id: string
  version: number
  category: TemplateCategory
  serviceTypes?: ServiceType[] | undefined
  text: string
  // campaign wording lives apart from evergreen policy: outside its dates it is never used
  validFrom?: string | undefined
  validTo?: string | undefined
}

/**
 * A policy or campaign answer: the questions it answers (phrases found in the customer's text)
 * and the customer-safe answer. Campaign entries carry their dates and are never used outside them.
 */
export interface AnswerFields {
  id: string
  version: number
  kind: AnswerKind
  title: string
  questions: string[]
  answer: string
  serviceTypes?: ServiceType[] | undefined
  validFrom?: string | undefined
  validTo?: string | undefined
}

/** Where a loaded entry came from: its content hash (the version evidence cites) and its file. */
interface Loaded {
  hash: string
  file: string
}
export type TemplateEntry = TemplateFields & Loaded
export type AnswerEntry = AnswerFields & Loaded

/** The tenant's curated knowledge, as the domain reads it. */
export interface Knowledge {
  /** latest version of each template id */
  templates: TemplateEntry[]
  materials: Partial<Record<ServiceType, string[]>>
  completion: Partial<Record<ServiceType, CompletionProof>>
  guard: { forbiddenCommitments: string[]; internalJargon: string[]; allowedLinkHosts: string[] }
  /** latest version of each policy/campaign entry */
  entries: AnswerEntry[]
  campaignWords: string[]
}
