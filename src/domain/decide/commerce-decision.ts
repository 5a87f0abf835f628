import type { AnswerEntry } from '../knowledge.js'
import { knowledgeUse, matchKnowledge } from '../commerce/answer-knowledge.js'
import type { OrderLookupResult } from '../commerce/order-facts.js'
import { readOrderForProgress, visitText, type OrderWords } from '../commerce/order-progress.js'
import type { RiskFlag, ServiceType } from '../types.js'
import { decideMessage, type CaseChoice, type Decision, type DecisionInput } from './decide-message.js'

/** What the app read or looked up for this message beyond the case facts (all of it plain data). */
export interface CommerceContext {
  text: string
  now: Date
  timeZone: string
  /** the order service's answers for the orders this message may be about (empty: no order service, or no lookup needed) */
  orders: ReadonlyMap<string, OrderLookupResult>
  words: OrderWords
  knowledge: { entries: readonly AnswerEntry[]; campaignWords: readonly string[] }
}

export interface CommerceDecision extends Decision {
  /** the order lookup the decision rests on: recorded in the case's evidence */
  order: { orderNo: string; result: OrderLookupResult } | null
}

/**
 * Reasons a knowledge answer may stand in for: how Baton read the message, or that it touches
 * money (a policy or campaign question usually does; the answer then goes to review).
 */
const SOFT: ReadonlySet<RiskFlag> = new Set(['unclear', 'compensation', 'money', 'public_group'])

/**
 * The decision with the shop's facts: decideMessage first, then (customer questions only) an
 * approved policy or campaign answer, a campaign that has ended, or the order's real status in
 * a progress answer. Without commerce facts (no order service, no entries) it is decideMessage.
 */
export function decideWithCommerce(input: DecisionInput, ctx: CommerceContext | null): CommerceDecision {
  const base = decideMessage(input)
  if (!ctx || !customerAsking(input)) return { ...base, order: null }
  return knowledgeDecision(input, ctx, base) ?? orderDecision(input, ctx, base)
}

function customerAsking(input: DecisionInput): boolean {
  const side = input.channel === 'customer' || input.channel === 'public_customer' || input.channel === 'direct'
  const talker = input.talkerRole === 'customer_contact' || input.talkerRole === 'executor' || input.talkerRole === 'unknown'
  return side && talker && input.type === 'text'
}

function knowledgeDecision(input: DecisionInput, ctx: CommerceContext, base: Decision): CommerceDecision | null {
  // a message that moves the case (an answer, a completion) is not a question for knowledge
  if (base.transition || base.items || base.writeback || base.appointment) return null
  const theCase = base.caseChoice.kind === 'existing' ? input.openCases.find((c) => c.id === (base.caseChoice as { caseId: number }).caseId) : undefined
  const customerKey = theCase?.customerKey ?? (input.groupCustomers.length === 1 ? input.groupCustomers[0]!.key : null)
  const serviceType: ServiceType | null = theCase?.serviceType ?? input.groupCustomers.find((c) => c.key === customerKey)?.serviceType ?? null
  const m = matchKnowledge(ctx.text, ctx.knowledge, serviceType, ctx.now, ctx.timeZone)
  if (m.live.length === 0 && m.outOfDate.length === 0 && !(m.campaignWords && input.asks)) return null
  const reasons = base.attention?.reasons ?? []
  const hard = reasons.filter((r) => !SOFT.has(r))
  const person = (reason: RiskFlag, note: string): CommerceDecision => ({
    mode: 'needs_person',
    caseChoice: base.mode === 'needs_person' ? base.caseChoice : caseFor(input, base.caseChoice, customerKey, serviceType),
    transition: null,
    items: null,
    draft: null,
    appointment: null,
    writeback: null,
    attention: { reasons: [...new Set<RiskFlag>([...reasons, reason])] },
    note: base.mode === 'needs_person' ? `${base.note}; ${note}` : note,
    order: null,
  })
  if (m.live.length === 0) {
    // an ended campaign is never quoted: a person tells the customer what applies now
    if (m.outOfDate.length > 0) return person('campaign_ended', `asks about a campaign out of its dates: ${m.outOfDate.map((e) => e.id).join(', ')}`)
    return person('campaign_unknown', 'asks about a campaign no approved entry answers')
  }
  // a complaint, a hazard, a cancellation...: a person answers, whatever the knowledge says; and
  // only a question gets an answer ("我要七天无理由退货" is a request a person handles)
  if (hard.length > 0 || !input.asks) return { ...base, order: null }
  const choice = caseFor(input, base.caseChoice, customerKey, serviceType)
  if (customerKey === null || (choice.kind !== 'existing' && choice.kind !== 'open')) return null
  const flags = new Set<RiskFlag>(reasons.filter((r) => r !== 'unclear'))
  if (input.channel === 'public_customer') flags.add('public_group')
  const campaign = m.live.some((e) => e.kind === 'campaign')
  return {
    // campaign terms are offers and prices: always reviewed (DOMAIN: discounts go to review)
    mode: campaign || flags.size > 0 ? 'review_before_send' : 'send_direct',
    caseChoice: choice,
    transition: null,
    items: null,
    appointment: null,
    writeback: null,
    attention: null,
    draft: { category: 'knowledge_answer', customerKey, riskFlags: [...flags], facts: { answer: m.live.map((e) => e.answer).join('\n') }, knowledge: m.live.map(knowledgeUse) },
    note: `answered from knowledge: ${m.live.map((e) => e.id).join(', ')}`,
    order: null,
  }
}

function orderDecision(input: DecisionInput, ctx: CommerceContext, base: Decision): CommerceDecision {
  if (base.draft?.category !== 'progress_reply' || base.caseChoice.kind !== 'existing' || ctx.orders.size === 0) return { ...base, order: null }
  const caseId = base.caseChoice.caseId
  const theCase = input.openCases.find((c) => c.id === caseId)
  const own = input.groupCustomers.find((c) => c.key === theCase?.customerKey)?.orderNumbers ?? []
  const orderNo = theCase?.orderNo ?? (own.length === 1 ? own[0]! : null)
  const result = orderNo ? ctx.orders.get(orderNo) : undefined
  if (!orderNo || !result) return { ...base, order: null }
  const order = { orderNo, result }
  const reading = readOrderForProgress(result, ctx.words, ctx.now, ctx.timeZone)
  if (reading.kind === 'person') {
    // nothing is said to the customer on a guess: the team hears why the order could not answer
    return {
      mode: 'needs_person',
      caseChoice: base.caseChoice,
      transition: null,
      items: null,
      draft: null,
      appointment: null,
      writeback: null,
      attention: { reasons: [reading.reason] },
      note: reading.note,
      order,
    }
  }
  // a service order's agreed visit is news too ("师傅已排期 …")
  const visit = visitText(theCase?.appointment ?? null, ctx.words, ctx.timeZone)
  const status = visit ? [reading.text, visit].join(ctx.words.separator) : reading.text
  return { ...base, draft: { ...base.draft, category: 'order_progress', facts: { order_no: orderNo, order_status: status } }, note: 'progress reply from the case state and the order service', order }
}

/** An existing case, or (one customer's own group) a new one for the question, as a person's matter would get. */
function caseFor(input: DecisionInput, choice: CaseChoice, customerKey: string | null, serviceType: ServiceType | null): CaseChoice {
  if (choice.kind !== 'none' || input.channel !== 'customer' || customerKey === null || input.talkerRole === 'unknown') return choice
  const customer = input.groupCustomers.find((c) => c.key === customerKey)
  if (!customer) return choice
  return { kind: 'open', customerKey, serviceType: serviceType ?? 'after_sales', partnerKey: null, orderNo: customer.orderNumbers.length === 1 ? customer.orderNumbers[0]! : null }
}
