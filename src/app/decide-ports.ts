import type { DraftCategory, ProofRule } from '../domain/decide/decide-message.js'
import type { ServiceType, CaseState } from '../domain/types.js'
import type { Understanding, UnderstandInput } from '../domain/understanding/index.js'
import type { AnswerEntry } from '../domain/knowledge.js'

/** The parts of understanding a message the app relies on (see src/domain/understanding). */
export type UnderstandingResult = Pick<
  Understanding,
  'intent' | 'label' | 'confidence' | 'scores' | 'familiarity' | 'riskFlags' | 'signals' | 'references' | 'requested' | 'window' | 'substantive' | 'asks' | 'toFamily' | 'toTeam'
>
export type { UnderstandInput }

export type ComposeResult = { ok: true; text: string; templateId: string; templateVersion: number; templateHash: string } | { ok: false; code: string; detail: string }

export interface LeakCheck {
  ok: boolean
  hits: Array<{ kind: string; match: string }>
}

/** Knowledge and policy, bound at start-up (and reloadable) so the app never reads config files. */
export interface DecisionServices {
  /** the tenant's time zone (policy.timezone): every time a person reads in chat is shown in it */
  timeZone: string
  understand(input: UnderstandInput): UnderstandingResult
  compose(req: { category: DraftCategory | 'partner_writeback'; serviceType: ServiceType; facts: Record<string, string | undefined>; now: Date }): ComposeResult
  /** leak guard for customer-visible text; `allowed` carries the customer's own phone/ids */
  checkLeak(text: string, allowed: { phones: string[]; ids: string[] }): LeakCheck
  proofRuleFor(serviceType: ServiceType): ProofRule
  materialItemsFor(serviceType: ServiceType): string[]
  /** whether an attachment can satisfy a requested item (a photo, a video, a document; not "a time") */
  isAttachmentItem(item: string): boolean
  /** the intent model's version, recorded with every reading */
  modelVersion: string
  dueAt(state: CaseState, serviceType: ServiceType, enteredAt: Date): Date | null
  /** the next reminder/escalation of a case in its current state (null: none) */
  planTimer(c: { state: CaseState; serviceType: ServiceType; stateEnteredAt: Date; reminderCount: number }): { at: Date; step: 'remind' | 'escalate_owner' | 'escalate_supervisor' | 'auto_close' } | null
  /** also send each review notice to the case owner by direct message */
  reviewDmToOwner: boolean
  /** categories the team switched to automatic sending */
  isAutomatic(category: string): boolean
  /** a pending draft older than this expires undecided (policy.draftExpiry): a missed send */
  draftExpiryMs: number
  /** the policy and campaign entries in force (knowledge `entries`, `campaignWords`); absent: none */
  answerKnowledge?(): { entries: readonly AnswerEntry[]; campaignWords: readonly string[] }
  /** a customer-side person as a contact (name, person id); null for staff, partners, the bot */
  contactOf?(wecomId: string): { name: string; personId: string | null } | null
}
