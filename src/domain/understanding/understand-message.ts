import type { Channel, Intent, MessageType, RiskFlag, TalkerRole } from '../types.js'
import { matchedTerms, prepareText, type CompiledLexicon } from './lexicon.js'
import { extractReferences, type CustomerRef, type References } from './references.js'

export interface UnderstandInput {
  text: string
  type: MessageType
  channel: Channel
  talkerRole: TalkerRole
  mentionIds: string[]
}

export interface Understanding {
  intent: Intent
  confidence: number
  riskFlags: RiskFlag[]
  matchedTerms: { intent: string[]; risks: Partial<Record<RiskFlag, string[]>> }
  references: References
}

type TextIntent = Exclude<Intent, 'unknown'>
type TextRisk = 'commitment' | 'compensation' | 'complaint' | 'privacy' | 'sensitive_claim' | 'verification_conflict'
export type Lexicon = CompiledLexicon<TextIntent, TextRisk>

/** Customer-side intents, strongest first: a complaint about progress is a complaint. */
const CUSTOMER_PRIORITY: readonly TextIntent[] = ['complaint', 'refund_or_compensation', 'progress_question', 'completion_claim', 'material_provided', 'appointment', 'chit_chat']
const FILE_TYPES: ReadonlySet<MessageType> = new Set(['image', 'file', 'video'])
const STAFF: ReadonlySet<TalkerRole> = new Set(['handler', 'supervisor'])

/**
 * Intent, risk flags and references of one message. Context decides as much as words: the same
 * "让客户上传照片" is a partner request from a partner and an internal note from staff.
 */
export function understandMessage(input: UnderstandInput, lexicon: Lexicon, directory: { customers: readonly CustomerRef[] }): Understanding {
  const text = prepareText(input.text)
  const references = extractReferences(input.text, text.normalized, input.mentionIds, lexicon, directory.customers)
  const hits = new Map<TextIntent, string[]>()
  for (const [intent, terms] of lexicon.intents) {
    const m = matchedTerms(text, terms)
    if (m.length > 0) hits.set(intent, m)
  }
  const risks: Partial<Record<RiskFlag, string[]>> = {}
  for (const [risk, terms] of lexicon.risks) {
    const m = matchedTerms(text, terms)
    if (m.length > 0) risks[risk] = m
  }

  const { intent, confidence } = pickIntent(input, hits, text.normalized.length)
  const riskFlags = Object.keys(risks) as RiskFlag[]
  if (intent === 'partner_request' && references.caseIds.length + references.orderNumbers.length + references.customerKeys.length + references.phoneTails.length === 0) {
    riskFlags.push('missing_context')
  }
  return { intent, confidence, riskFlags, matchedTerms: { intent: hits.get(intent as TextIntent) ?? [], risks }, references }
}

function pickIntent(input: UnderstandInput, hits: ReadonlyMap<TextIntent, string[]>, length: number): { intent: Intent; confidence: number } {
  const has = (i: TextIntent) => hits.has(i)
  if (input.type === 'recalled' || input.type === 'system') return { intent: 'unknown', confidence: 0.2 }

  if (input.channel === 'internal' || (input.channel === 'direct' && STAFF.has(input.talkerRole))) {
    return { intent: 'internal_note', confidence: 0.9 }
  }
  if (input.channel === 'partner') {
    if (STAFF.has(input.talkerRole)) return { intent: 'internal_note', confidence: 0.8 }
    // a partner saying the job is done beats a request that mentions the same nouns
    if (has('completion_claim') && !has('partner_request')) return { intent: 'completion_claim', confidence: 0.8 }
    if (has('partner_request')) return { intent: 'partner_request', confidence: 0.85 }
    if (has('completion_claim')) return { intent: 'completion_claim', confidence: 0.6 }
    if (has('chit_chat') && length <= 12) return { intent: 'chit_chat', confidence: 0.7 }
    return { intent: 'unknown', confidence: 0.3 }
  }

  // customer side (customer group, public group, a customer's DM)
  if (FILE_TYPES.has(input.type)) {
    return has('complaint') ? { intent: 'complaint', confidence: 0.7 } : { intent: 'material_provided', confidence: 0.9 }
  }
  // "好的👍" alone is chatter, but "好的，什么时候来" is a question
  const strong = CUSTOMER_PRIORITY.filter((i) => i !== 'chit_chat' && has(i))
  if (strong.length > 0) return { intent: strong[0]!, confidence: strong.length === 1 ? 0.85 : 0.7 }
  if (has('chit_chat')) return { intent: 'chit_chat', confidence: 0.8 }
  if (input.type === 'emoticon') return { intent: 'chit_chat', confidence: 0.6 }
  return { intent: 'unknown', confidence: 0.2 }
}
