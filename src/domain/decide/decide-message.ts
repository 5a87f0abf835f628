import type { CaseActor } from '../case-state.js'
import type { Channel, HandlingMode, Intent, MessageType, RiskFlag, ServiceType, TalkerRole, CaseState } from '../types.js'
import type { CaseFacts, CustomerFacts } from './case-facts.js'

/** Template categories a decision can ask the composer for (see config/knowledge). */
export type DraftCategory =
  | 'material_request'
  | 'material_received'
  | 'appointment_request'
  | 'appointment_confirmed'
  | 'progress_reply'
  | 'completion_confirmation'
  | 'proof_request'
  | 'coordination_request'
  | 'generic_reply'
  | 'reminder'

export type ProofRule = 'image' | 'material' | 'confirmation' | 'none'

export interface DecisionInput {
  channel: Channel
  talkerRole: TalkerRole
  type: MessageType
  intent: Intent
  riskFlags: readonly RiskFlag[]
  refs: { caseIds: readonly number[]; orderNumbers: readonly string[]; customerKeys: readonly string[] }
  /** customers of the group the message was said in (customer channels) */
  groupCustomers: readonly CustomerFacts[]
  /** customers named by the message (partner/internal channels) */
  referencedCustomers: readonly CustomerFacts[]
  /** open cases that could be meant: the group's (customer side) or the referenced ones */
  openCases: readonly CaseFacts[]
  /** partner owning the coordination group the message came from */
  partnerKey: string | null
  proofRuleFor: (serviceType: ServiceType) => ProofRule
}

export type CaseChoice =
  | { kind: 'existing'; caseId: number }
  | { kind: 'open'; customerKey: string; serviceType: ServiceType; partnerKey: string | null; orderNo: string | null }
  | { kind: 'uncertain'; candidates: number[] }
  | { kind: 'none' }

export interface PlannedDraft {
  category: DraftCategory
  /** the customer group the draft is for */
  customerKey: string
  riskFlags: RiskFlag[]
}

export interface Decision {
  /** what happens to this message: the message-level handling mode before composing */
  mode: HandlingMode
  caseChoice: CaseChoice
  transition: { to: CaseState; actor: CaseActor; reason: string } | null
  draft: PlannedDraft | null
  /** tell the partner group the customer did their part */
  writeback: 'material_received' | 'completion_confirmed' | 'appointment_confirmed' | null
  /** why, in a few words (English, for the evidence trail and logs) */
  note: string
}

const RECORD = (caseChoice: CaseChoice, note: string): Decision => ({
  mode: 'record_only',
  caseChoice,
  transition: null,
  draft: null,
  writeback: null,
  note,
})

const CUSTOMER_SIDE: ReadonlySet<CaseState> = new Set(['waiting_customer_material', 'waiting_contact_coordination', 'waiting_executor'])

/**
 * The decision for one recorded message: which case it belongs to, what state the case moves
 * to, whether a customer-facing draft is needed, and whether the partner hears back.
 * Pure: the app loads the facts, composes the draft text and applies the result.
 */
export function decideMessage(input: DecisionInput): Decision {
  switch (input.channel) {
    case 'partner':
      return input.talkerRole === 'partner' ? decidePartner(input) : RECORD(pickReferenced(input), 'staff message in a partner group')
    case 'customer':
    case 'public_customer':
      if (input.talkerRole === 'handler' || input.talkerRole === 'supervisor' || input.talkerRole === 'bot')
        return RECORD({ kind: 'none' }, 'staff message in a customer group')
      return decideCustomer(input)
    case 'internal':
    case 'direct':
      return RECORD(pickReferenced(input), input.channel === 'internal' ? 'internal coordination' : 'direct message')
  }
}

function decidePartner(input: DecisionInput): Decision {
  const choice = pickReferenced(input)
  if (input.intent === 'completion_claim') {
    if (choice.kind === 'existing') {
      const c = input.openCases.find((x) => x.id === choice.caseId)!
      if (c.state === 'waiting_partner' || c.state === 'material_received') {
        return {
          mode: 'review_before_send',
          caseChoice: choice,
          transition: { to: 'completed', actor: 'partner', reason: 'partner confirmed completion' },
          draft: { category: 'completion_confirmation', customerKey: c.customerKey, riskFlags: [...input.riskFlags] },
          writeback: null,
          note: 'partner confirmed completion',
        }
      }
    }
    return RECORD(choice, 'partner completion feedback not yet actionable')
  }
  if (input.intent !== 'partner_request') return RECORD(choice, 'partner context fragment')

  if (choice.kind === 'uncertain' || choice.kind === 'none') {
    // No single customer or case: a human must pick one; nothing is drafted from the text.
    const flags = [...new Set<RiskFlag>([...input.riskFlags, 'missing_context', 'uncertain_case'])]
    return uncertainRequest(input, choice, flags)
  }
  const facts = caseOrCustomer(input, choice)
  if (!facts) return RECORD(choice, 'partner request for an unknown customer')
  const coordinated = facts.executorId !== null && facts.executorId !== facts.contactId
  const isAppointment = facts.serviceType === 'appointment'
  const to: CaseState = coordinated ? 'waiting_contact_coordination' : isAppointment ? 'waiting_executor' : 'waiting_customer_material'
  const category: DraftCategory = coordinated ? 'coordination_request' : isAppointment ? 'appointment_request' : 'material_request'
  return {
    mode: 'review_before_send',
    caseChoice: choice,
    transition: { to, actor: 'partner', reason: coordinated ? 'partner request; the contact must coordinate the executor' : 'partner request for customer cooperation' },
    draft: { category, customerKey: facts.customerKey, riskFlags: [...input.riskFlags] },
    writeback: null,
    note: 'partner request rewritten for the customer',
  }
}

function uncertainRequest(input: DecisionInput, choice: CaseChoice, flags: RiskFlag[]): Decision {
  const candidates = choice.kind === 'uncertain' ? choice.candidates : []
  const customers = new Set(input.openCases.filter((c) => candidates.includes(c.id)).map((c) => c.customerKey))
  // When every candidate belongs to one customer we still know whose group to draft for.
  const only = customers.size === 1 ? [...customers][0]! : null
  return {
    mode: 'review_before_send',
    caseChoice: { kind: 'uncertain', candidates },
    transition: null,
    draft: only ? { category: 'material_request', customerKey: only, riskFlags: flags } : null,
    writeback: null,
    note: `partner request needs a human: ${flags.join(', ')}`,
  }
}

function decideCustomer(input: DecisionInput): Decision {
  const choice = pickCustomerCase(input)
  const theCase = choice.kind === 'existing' ? input.openCases.find((c) => c.id === choice.caseId) : undefined
  const customerKey = theCase?.customerKey ?? (input.groupCustomers.length === 1 ? input.groupCustomers[0]!.key : null)
  const flags = (extra: RiskFlag[] = []): RiskFlag[] => {
    const all = new Set<RiskFlag>([...input.riskFlags, ...extra])
    if (input.channel === 'public_customer') all.add('public_group')
    if (choice.kind === 'uncertain') all.add('uncertain_case')
    return [...all]
  }
  const draft = (category: DraftCategory, extra: RiskFlag[] = []): PlannedDraft | null =>
    customerKey ? { category, customerKey, riskFlags: flags(extra) } : null

  switch (input.intent) {
    case 'material_provided': {
      if (!theCase || !CUSTOMER_SIDE.has(theCase.state)) return RECORD(choice, 'material without a waiting case')
      return {
        mode: 'send_direct',
        caseChoice: choice,
        transition: { to: 'material_received', actor: actorOf(input.talkerRole), reason: 'customer provided material' },
        draft: draft('material_received'),
        writeback: theCase.partnerKey ? 'material_received' : null,
        note: 'material attached to the waiting case',
      }
    }
    case 'completion_claim': {
      if (!theCase || !CUSTOMER_SIDE.has(theCase.state)) return RECORD(choice, 'completion feedback without a waiting case')
      const rule = input.proofRuleFor(theCase.serviceType)
      const hasProof = rule === 'none' || rule === 'confirmation' || theCase.proofSinceStateEntry || input.type === 'image' || input.type === 'file'
      if (!hasProof) {
        return {
          mode: 'review_before_send',
          caseChoice: choice,
          transition: null,
          draft: draft('proof_request', ['missing_proof']),
          writeback: null,
          note: `completion claimed without the required proof (${rule})`,
        }
      }
      return {
        mode: 'send_direct',
        caseChoice: choice,
        transition: { to: 'material_received', actor: actorOf(input.talkerRole), reason: 'customer confirmed completion with proof' },
        draft: draft('completion_confirmation'),
        writeback: theCase.partnerKey ? 'completion_confirmed' : null,
        note: 'customer completed their part',
      }
    }
    case 'progress_question': {
      if (!theCase) {
        return { mode: 'review_before_send', caseChoice: choice, transition: null, draft: draft('generic_reply', ['uncertain_case']), writeback: null, note: 'progress question without a clear case' }
      }
      return { mode: 'send_direct', caseChoice: choice, transition: null, draft: draft('progress_reply'), writeback: null, note: 'progress reply from the case state' }
    }
    case 'appointment': {
      if (!theCase || !CUSTOMER_SIDE.has(theCase.state)) return RECORD(choice, 'appointment talk without a waiting case')
      return {
        mode: 'review_before_send',
        caseChoice: choice,
        transition: { to: 'material_received', actor: actorOf(input.talkerRole), reason: 'customer answered about the appointment' },
        draft: draft('appointment_confirmed'),
        writeback: theCase.partnerKey ? 'appointment_confirmed' : null,
        note: 'appointment answer; a handler confirms the time',
      }
    }
    case 'refund_or_compensation':
    case 'complaint':
      return { mode: 'review_before_send', caseChoice: choice, transition: null, draft: draft('generic_reply'), writeback: null, note: `${input.intent} needs a human` }
    default:
      return RECORD(choice, input.intent === 'chit_chat' ? 'chit-chat' : 'nothing actionable')
  }
}

function actorOf(role: TalkerRole): CaseActor {
  return role === 'executor' ? 'executor' : role === 'customer_contact' ? 'contact' : 'customer'
}

/** Customer side: the latest waiting case of the group; explicit references narrow it down. */
function pickCustomerCase(input: DecisionInput): CaseChoice {
  const byRef = input.openCases.filter((c) => input.refs.caseIds.includes(c.id) || (c.orderNo !== null && input.refs.orderNumbers.includes(c.orderNo)))
  if (byRef.length === 1) return { kind: 'existing', caseId: byRef[0]!.id }
  const waiting = input.openCases.filter((c) => CUSTOMER_SIDE.has(c.state))
  const pool = waiting.length > 0 ? waiting : input.openCases
  if (pool.length === 0) return { kind: 'none' }
  // In a one-customer group the most recently moved case is "the latest waiting case".
  const customers = new Set(pool.map((c) => c.customerKey))
  if (customers.size === 1) {
    const latest = [...pool].sort((a, b) => b.stateEnteredAt.getTime() - a.stateEnteredAt.getTime())
    if (latest.length === 1 || latest[0]!.stateEnteredAt.getTime() !== latest[1]!.stateEnteredAt.getTime()) return { kind: 'existing', caseId: latest[0]!.id }
  }
  return { kind: 'uncertain', candidates: pool.map((c) => c.id) }
}

/** Partner/internal side: explicit references only (case id, order number, customer). */
function pickReferenced(input: DecisionInput): CaseChoice {
  const byId = input.openCases.filter((c) => input.refs.caseIds.includes(c.id))
  if (byId.length === 1) return { kind: 'existing', caseId: byId[0]!.id }
  const byOrder = input.openCases.filter((c) => c.orderNo !== null && input.refs.orderNumbers.includes(c.orderNo))
  if (byOrder.length === 1) return { kind: 'existing', caseId: byOrder[0]!.id }
  const customers = input.referencedCustomers
  if (customers.length === 1) {
    const customer = customers[0]!
    const open = input.openCases.filter((c) => c.customerKey === customer.key && (input.partnerKey === null || c.partnerKey === null || c.partnerKey === input.partnerKey))
    if (open.length === 1) return { kind: 'existing', caseId: open[0]!.id }
    if (open.length > 1) return { kind: 'uncertain', candidates: open.map((c) => c.id) }
    const orderNo = input.refs.orderNumbers.find((o) => customer.orderNumbers.includes(o)) ?? customer.orderNumbers[0] ?? null
    return { kind: 'open', customerKey: customer.key, serviceType: customer.serviceType ?? 'after_sales', partnerKey: input.partnerKey, orderNo }
  }
  if (customers.length > 1 || byId.length > 1 || byOrder.length > 1) {
    const ids = new Set([...byId, ...byOrder].map((c) => c.id))
    for (const c of input.openCases) if (customers.some((k) => k.key === c.customerKey)) ids.add(c.id)
    return { kind: 'uncertain', candidates: [...ids] }
  }
  return { kind: 'none' }
}

function caseOrCustomer(input: DecisionInput, choice: CaseChoice): { customerKey: string; contactId: string | null; executorId: string | null; serviceType: ServiceType } | null {
  if (choice.kind === 'existing') {
    const c = input.openCases.find((x) => x.id === choice.caseId)
    return c ? { customerKey: c.customerKey, contactId: c.contactId, executorId: c.executorId, serviceType: c.serviceType } : null
  }
  if (choice.kind === 'open') {
    const k = input.referencedCustomers.find((x) => x.key === choice.customerKey)
    return k ? { customerKey: k.key, contactId: k.contactId, executorId: k.executorId, serviceType: choice.serviceType } : null
  }
  return null
}
