import type { Channel, Intent, MessageType, RiskFlag, TalkerRole } from '../types.js'
import { LEXICON_RISKS, matchLexicon, prepareText, type CompiledLexicon, type LexiconIntent, type PreparedText } from './lexicon.js'
import { extractReferences, type CustomerRef, type References } from './references.js'

export interface UnderstandInput {
  text: string
  type: MessageType
  channel: Channel
  talkerRole: TalkerRole
  mentionIds: string[]
}

/** The customers a message may name. */
export interface Directory {
  customers: readonly CustomerRef[]
}

export interface Understanding {
  intent: Intent
  /** How sure the classifier is, 0..1: lower when several intents compete or nothing matched. */
  confidence: number
  /** Text-level flags only; the decision adds public_group, uncertain_case, missing_proof, leak_guard. */
  riskFlags: RiskFlag[]
  matchedTerms: { intent: string[]; risks: Partial<Record<RiskFlag, string[]>> }
  references: References
}

const STAFF: ReadonlySet<TalkerRole> = new Set(['handler', 'supervisor'])
const ATTACHMENTS: ReadonlySet<MessageType> = new Set(['image', 'file', 'video'])
const NOT_A_MESSAGE: ReadonlySet<MessageType> = new Set(['recalled', 'system'])
const PICTOGRAPH = /^\p{Extended_Pictographic}+$/u

/**
 * Strongest first. For customers a complaint about progress is a complaint, a refund question is
 * about the refund, and a question ("修好了吗", "什么时候上门") beats the claim or time it mentions.
 * For partners, asking for customer action comes first, then reporting their own work done
 * ("退款已处理" from a partner is their completion, still flagged compensation).
 */
const CUSTOMER_ORDER: readonly LexiconIntent[] = ['complaint', 'refund_or_compensation', 'progress_question', 'completion_claim', 'material_provided', 'appointment', 'chit_chat']
const PARTNER_ORDER: readonly LexiconIntent[] = ['partner_request', 'completion_claim', 'complaint', 'refund_or_compensation', 'progress_question', 'appointment', 'material_provided', 'chit_chat']

type Speaker = 'staff' | 'partner' | 'customer_side'

/**
 * Who is speaking decides how words are read. Staff in an internal group, a DM with the bot or a
 * coordination group always write an internal note, even "让客户上传照片": staff route work to
 * customers through commands and reviewed drafts, never by chatting, so reading their words as a
 * request would draft customer messages from internal chatter. A partner is a partner wherever
 * they write (a DM with the bot included). Everyone else, staff in customer groups too, is read by
 * their words; the decision records staff messages in customer groups without acting on them.
 */
function speakerOf(input: UnderstandInput): Speaker {
  if (input.channel === 'internal') return 'staff'
  if (STAFF.has(input.talkerRole) && (input.channel === 'direct' || input.channel === 'partner')) return 'staff'
  if (input.talkerRole === 'partner' || input.channel === 'partner') return 'partner'
  return 'customer_side'
}

function pickIntent(input: UnderstandInput, text: PreparedText, hits: ReadonlyMap<LexiconIntent, string[]>): { intent: Intent; confidence: number } {
  // our own messages, recalls and system notices say nothing about the customer's case
  if (input.talkerRole === 'bot' || NOT_A_MESSAGE.has(input.type)) return { intent: 'unknown', confidence: 0.1 }
  const speaker = speakerOf(input)
  if (speaker === 'staff') return { intent: 'internal_note', confidence: 0.9 }

  if (ATTACHMENTS.has(input.type)) {
    // an image or file is material, unless its caption or file name says it is a complaint or a refund
    const strong = (['complaint', 'refund_or_compensation'] as const).find((i) => hits.has(i))
    return strong ? { intent: strong, confidence: 0.6 } : { intent: 'material_provided', confidence: 0.9 }
  }
  if (input.type === 'emoticon') return { intent: 'chit_chat', confidence: 0.8 }

  const found = (speaker === 'partner' ? PARTNER_ORDER : CUSTOMER_ORDER).filter((i) => hits.has(i))
  const substantive = found.filter((i) => i !== 'chit_chat')
  // "好的👍" is chatter, but "好的，什么时候来" is a question: chatter only wins alone
  if (substantive.length > 0) return { intent: substantive[0]!, confidence: substantive.length === 1 ? 0.85 : 0.65 }
  if (found.length > 0) return { intent: 'chit_chat', confidence: 0.8 }
  if (text.tokens.length > 0 && text.tokens.every((t) => PICTOGRAPH.test(t.text))) return { intent: 'chit_chat', confidence: 0.7 }
  return { intent: 'unknown', confidence: text.normalized.length === 0 ? 0.1 : 0.3 }
}

/**
 * Longer messages are understood from their beginning (the record keeps every character): word
 * segmentation grows faster than the text, and one pasted 100 KB document stalled the bot for a minute.
 */
export const MAX_UNDERSTOOD_CHARS = 4000

/**
 * Intent, text-level risk flags and references of one message. Pure: the lexicon is compiled once
 * by `compileLexicon`, the directory is passed in.
 */
export function understandMessage(input: UnderstandInput, lexicon: CompiledLexicon, directory: Directory): Understanding {
  const head = input.text.length > MAX_UNDERSTOOD_CHARS ? input.text.slice(0, MAX_UNDERSTOOD_CHARS) : input.text
  const text = prepareText(head)
  const references = extractReferences(head, input.mentionIds, lexicon, directory.customers)
  const matched = matchLexicon(text, lexicon)
  const { intent, confidence } = pickIntent(input, text, matched.intents)

  const riskFlags: RiskFlag[] = LEXICON_RISKS.filter((r) => matched.risks.has(r))
  const risks: Partial<Record<RiskFlag, string[]>> = Object.fromEntries(matched.risks)
  // a partner request the team cannot tie to a case, an order or a customer must be completed by a person
  const r = references
  if (intent === 'partner_request' && r.caseIds.length + r.orderNumbers.length + r.customerKeys.length + r.phoneTails.length === 0) {
    riskFlags.push('missing_context')
  }
  const intentTerms = intent === 'internal_note' || intent === 'unknown' ? [] : (matched.intents.get(intent) ?? [])
  return { intent, confidence, riskFlags, matchedTerms: { intent: intentTerms, risks }, references }
}
