import type { CaseActor } from '../case-state.js'
import { compareWindow, type AppointmentWindow } from '../understanding/appointment-window.js'
import type { Awaiting, CaseAppointment, Channel, HandlingMode, Intent, MessageType, RiskFlag, ServiceType, TalkerRole, CaseState } from '../types.js'
import type { CaseFacts, CustomerFacts } from './case-facts.js'

/** Template categories a decision can ask the composer for (see config/knowledge). */
export type DraftCategory =
  | 'material_request'
  | 'material_received'
  | 'material_partial'
  | 'appointment_request'
  | 'appointment_confirmed'
  | 'schedule_update'
  | 'progress_reply'
  | 'completion_confirmation'
  | 'proof_request'
  | 'coordination_request'
  | 'generic_reply'
  | 'reminder'
  | 'order_progress'
  | 'knowledge_answer'

export type ProofRule = 'image' | 'material' | 'confirmation' | 'none'

export interface DecisionInput {
  channel: Channel
  talkerRole: TalkerRole
  type: MessageType
  intent: Intent
  /** the intent model's finer reading (promise_later, material_claim, needs_person, partner_status...) */
  label: string
  confidence: number
  /** the probability of every reading the speaker can have (rule readings: just their own) */
  scores: ReadonlyArray<{ label: string; p: number }>
  /** how much of the wording the model saw in training, 0..1 */
  familiarity: number
  riskFlags: readonly RiskFlag[]
  /** risk signals found in the text: on the customer side each one needs a person */
  signals: readonly RiskFlag[]
  refs: { caseIds: readonly number[]; orderNumbers: readonly string[]; customerKeys: readonly string[] }
  /** what a partner request asks for: catalogue labels, then unlisted phrases */
  requestedItems: readonly string[]
  /** the visit or delivery window the message names, if any */
  window: AppointmentWindow | null
  /** the message carries words a person could act on (not only emoji, "ok", a sticker) */
  substantive: boolean
  /** the message is written as a question */
  asks: boolean
  /** the message opens by calling a family member ("妈，…"): said to them, not to the team */
  toFamily: boolean
  /** the message opens by calling a staff member or partner by name ("马经理，…"): said to the team */
  toTeam: boolean
  /**
   * In a public group, the customer whose contact or executor is speaking: their words are filed
   * with that customer's case, but read like any member's (the group sees every answer).
   */
  speakerCustomer?: CustomerFacts | null
  /** customers of the group the message was said in (customer channels) */
  groupCustomers: readonly CustomerFacts[]
  /** customers named by the message (partner/internal channels) */
  referencedCustomers: readonly CustomerFacts[]
  /** open cases that could be meant: the group's (customer side) or the referenced ones */
  openCases: readonly CaseFacts[]
  /** partner owning the coordination group the message came from */
  partnerKey: string | null
  /**
   * The open case this coordination or internal group last talked about (a message naming nobody
   * is most likely about it); null when there is none recently. Also in openCases.
   */
  contextCaseId: number | null
  proofRuleFor: (serviceType: ServiceType) => ProofRule
  /** whether an attachment can satisfy this requested item (photos, videos, documents; not "a time") */
  isAttachmentItem: (item: string) => boolean
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
  /** the items the text names (asked for, or still missing) */
  items?: string[]
  /** facts beyond the case's own (an order's status, an approved answer): see commerce-decision.ts */
  facts?: Record<string, string>
  /** the policy/campaign entries the text is made of, recorded with the draft */
  knowledge?: Array<{ id: string; version: number; hash: string; kind: 'template' | 'evergreen' | 'campaign' }>
  /** what happens to the case when a person approves (or edits and sends) the draft: see `untilApproved` */
  onApproval?: CaseEffects
  /** the message proposed the visit time the case now holds: the text may put it to the customer */
  proposesTime?: boolean
}

/** What a decision does to its case beyond the draft: the move, the items, the visit time, the partner told. */
export interface CaseEffects {
  transition: Decision['transition']
  items: Decision['items']
  appointment: Decision['appointment']
  writeback: Decision['writeback']
}

/** What a case now waits for and which items are still out (applied after the transition). */
export interface ItemsUpdate {
  missing: string[]
  received: string[]
  awaiting: Awaiting | null
}

export interface Decision {
  /** what happens to this message; the app records what actually happened (a draft may go direct or to review) */
  mode: HandlingMode
  caseChoice: CaseChoice
  transition: { to: CaseState; actor: CaseActor; reason: string } | null
  items: ItemsUpdate | null
  draft: PlannedDraft | null
  /** a person must act: the team is told once and the message waits in the attention queue */
  attention: { reasons: RiskFlag[] } | null
  /** the visit time the case now knows (proposed or agreed); null: unchanged */
  appointment: CaseAppointment | null
  /** tell the partner group the customer did their part */
  writeback: 'material_received' | 'completion_confirmed' | 'appointment_confirmed' | null
  /** why, in a few words (English, for the evidence trail and logs) */
  note: string
}

const NOTHING = { transition: null, items: null, draft: null, attention: null, appointment: null, writeback: null } as const

const RECORD = (caseChoice: CaseChoice, note: string): Decision => ({ mode: 'record_only', caseChoice, ...NOTHING, note })

const PERSON = (caseChoice: CaseChoice, reasons: readonly RiskFlag[], note: string): Decision => ({
  mode: 'needs_person',
  caseChoice,
  ...NOTHING,
  attention: { reasons: [...new Set(reasons)] },
  note,
})

const CUSTOMER_SIDE: ReadonlySet<CaseState> = new Set(['waiting_customer_material', 'waiting_contact_coordination', 'waiting_executor'])
const COMPLETION: ReadonlySet<string> = new Set(['completion_claim'])

/**
 * Below this probability the intent model's reading of a substantive customer message is not
 * trusted: a person looks instead of Baton guessing (a wrong silence costs more than a glance).
 */
export const CONFIDENT = 0.5

/**
 * Mistakes do not cost the same. A customer message that needed a person and got silence is the
 * worst outcome, a needless notice the mildest; so a customer message goes to a person once the
 * readings that need one together reach this probability, even when another reading is on top.
 * Likewise a partner remark is treated as a request for the customer once that reading is this
 * likely (a needless draft is rejected in a second; a missed request leaves the customer waiting).
 * Chosen on leave-one-tenant-out runs of the training corpus, never on the held-out tenant.
 */
/**
 * Against a confident silent reading (chit-chat, a promise) the readings that need a person must
 * also reach this share of it: "那行，这服务给满分💯" read 70 % chit-chat with 22 % spread over
 * complaint and needs_person is chatter, "wow 今天好多人在聊" too. Chosen like PERSON_MASS.
 */
export const SILENT_RATIO = 0.3
export const PERSON_MASS = 0.2
export const REQUEST_MASS = 0.2

/**
 * A chatty reading ("chit-chat", "a promise") of wording the model has mostly never seen is a
 * guess: under this share of known features a substantive customer message goes to a person.
 */
export const FAMILIAR = 0.45

/**
 * Sending without review needs more than a likely reading: below this probability even an
 * automatic category's draft waits for a person (a wrong direct send cannot be taken back).
 */
export const DIRECT = 0.8

/**
 * The readings that need a person together stay below this for Baton to speak on its own: "到底
 * 什么时候能修好啊？天这么冷" is a progress question, but an impatient one a person should answer.
 */
export const QUIET_PERSON_MASS = 0.1

/**
 * While a person still handles a dispute or hazard on the case, a chit-chat reading below this
 * confidence is taken to be about the matter and goes to that person. Chosen like PERSON_MASS.
 */
export const OPEN_MATTER_CHATTER = 0.65

/**
 * On an open case, a chit-chat reading with at least this much completion in it is the customer
 * confirming the job ("龙头不晃了 👍"). Chosen like PERSON_MASS.
 */
export const COMPLETION_MASS = 0.1

/**
 * A customer's question is rarely small talk in a service group ("返工要几天？下周六要穿的",
 * "师傅到了吗，我下去接"), nor are words that call a staff member or partner by name ("夏教练
 * 下周四下午她学校有活动 请个假", "小周 我们在高速上 大概四点到 停车场在哪"): read as chit-chat
 * below this confidence, a person answers them ("小李师傅，过年好" is sure chatter).
 */
export const CHATTY_QUESTION = 0.9

/**
 * A chatty reading at least this sure (with no reading that needs a person in sight) is not
 * taken for an answer to a time on a bare "today" or part of the day. Leave-one-tenant-out: most
 * context-guessed answers on such words were chatter ("今天出太阳了 我去公园走一圈").
 */
export const SURE_CHATTER = 0.9

/** Review unless the reading is sure enough, and no reading a person must handle is in sight, for Baton to speak on its own. */
const directIfSure = (input: DecisionInput): HandlingMode => (input.confidence >= DIRECT && massOf(input.scores, NEEDS_PERSON) < QUIET_PERSON_MASS ? 'send_direct' : 'review_before_send')

const massOf = (scores: DecisionInput['scores'], labels: ReadonlySet<string>): number => scores.reduce((sum, s) => (labels.has(s.label) ? sum + s.p : sum), 0)

/** Readings a message said to a family member can have without being the team's business. */
const TO_FAMILY_READINGS: ReadonlySet<string> = new Set(['chit_chat', 'promise_later', 'appointment', 'progress_question'])

/** Readings of customer words that never need an answer. */
const SILENT: ReadonlySet<string> = new Set(['chit_chat', 'promise_later', 'command'])

/** Signals in a partner's remark (not a request) that the team must hear about. */
const PARTNER_PERSON_SIGNALS: ReadonlySet<RiskFlag> = new Set(['money', 'compensation', 'safety', 'damage', 'legal', 'injection', 'privacy', 'schedule_change', 'access_blocked'])

/** What each reading a person must handle is, as a reason the team reads. */
const PERSON_READINGS: Readonly<Record<string, RiskFlag>> = {
  complaint: 'complaint',
  refund_or_compensation: 'compensation',
  needs_person: 'unclear',
  material_claim: 'missing_proof',
}

/**
 * The decision for one recorded message: which case it belongs to, what state the case moves
 * to, whether a customer-facing draft is needed, whether a person must act, and whether the
 * partner hears back. Pure: the app loads the facts, composes the draft text and applies the result.
 */
export function decideMessage(input: DecisionInput): Decision {
  switch (input.channel) {
    case 'partner':
      return input.talkerRole === 'partner' ? decidePartner(input) : RECORD(forRecord(input, withContext(input, pickReferenced(input))), 'staff message in a partner group')
    case 'customer':
    case 'public_customer':
      if (input.talkerRole === 'bot') return RECORD({ kind: 'none' }, 'our own message')
      if (input.talkerRole === 'handler' || input.talkerRole === 'supervisor') return RECORD(pickCustomerCase(input), 'staff message in a customer group')
      return input.channel === 'public_customer' ? decidePublic(input) : decideCustomer(input)
    case 'internal':
      return RECORD(forRecord(input, withContext(input, pickReferenced(input))), 'internal coordination')
    case 'direct':
      // a customer writing to the bot directly: nobody sees it unless a person is told
      if (input.talkerRole === 'partner' || input.talkerRole === 'handler' || input.talkerRole === 'supervisor' || input.talkerRole === 'bot') return RECORD(pickReferenced(input), 'direct message')
      return decideCustomer(input)
  }
}

function decidePartner(given: DecisionInput): Decision {
  const named = pickReferenced(given)
  // a message naming nobody is taken to be about the case the group last talked about; Baton
  // records it there and drafts from it only for review, never closes a case on that guess
  const choice = withContext(given, named)
  const guessed = choice !== named
  const input = asRequestIfLikely(given, choice)
  if (input.intent !== 'partner_request') {
    // fees, damage, hazards or blame in a partner's own remarks (a completion report included)
    // are the team's business: a person looks, and nothing of it reaches the customer
    const reasons = input.signals.filter((s) => PARTNER_PERSON_SIGNALS.has(s))
    if (reasons.length > 0 && input.type === 'text') return PERSON(choice, reasons, `partner remark a person must see: ${reasons.join(', ')}`)
  }
  if (input.intent === 'completion_claim') {
    if (guessed) return RECORD(choice, 'partner completion feedback about the case the group last talked about')
    if (choice.kind === 'existing') {
      const c = input.openCases.find((x) => x.id === choice.caseId)!
      if ((c.state === 'waiting_partner' || c.state === 'material_received') && !c.needsPerson) {
        return {
          mode: 'review_before_send',
          caseChoice: choice,
          ...NOTHING,
          transition: { to: 'completed', actor: 'partner', reason: 'partner confirmed completion' },
          draft: { category: 'completion_confirmation', customerKey: c.customerKey, riskFlags: [...input.riskFlags] },
          note: 'partner confirmed completion',
        }
      }
    }
    return RECORD(forRecord(input, choice), 'partner completion feedback not yet actionable')
  }
  if (input.intent !== 'partner_request') return RECORD(forRecord(input, choice), 'partner context fragment')

  if (choice.kind === 'uncertain' || choice.kind === 'none') {
    // No single customer or case: a person must pick one; nothing is drafted from the text.
    return PERSON(choice, [...input.riskFlags, 'missing_context', 'uncertain_case'], 'partner request names no single case')
  }
  const facts = caseOrCustomer(input, choice)
  if (!facts) return PERSON(choice, [...input.riskFlags, 'uncertain_case'], 'partner request for an unknown customer')
  const coordinated = facts.executorId !== null && facts.executorId !== facts.contactId
  const items = [...input.requestedItems]
  // what the request waits for: an answer about a time first (photos asked for alongside are
  // still counted one by one), otherwise things to send, otherwise a confirmation
  const awaiting: Awaiting = input.window ? 'appointment' : items.some(input.isAttachmentItem) ? 'material' : items.length > 0 ? 'appointment' : 'confirmation'
  const to: CaseState = coordinated ? 'waiting_contact_coordination' : awaiting === 'material' ? 'waiting_customer_material' : 'waiting_executor'
  const category: DraftCategory = coordinated && items.length > 0 ? 'coordination_request' : items.length > 0 ? 'material_request' : input.window ? 'appointment_request' : 'schedule_update'
  const current = choice.kind === 'existing' ? input.openCases.find((c) => c.id === choice.caseId) : undefined
  const flags: RiskFlag[] = guessed ? [...new Set<RiskFlag>([...input.riskFlags, 'uncertain_case'])] : [...input.riskFlags]
  return {
    mode: 'review_before_send',
    caseChoice: choice,
    ...NOTHING,
    // a case already waiting there keeps its state (and SLA clock); only what it waits for changes
    transition: current?.state === to ? null : { to, actor: 'partner', reason: coordinated ? 'partner request; the contact must coordinate the executor' : 'partner request for customer cooperation' },
    items: { missing: items, received: [], awaiting },
    // the time put to the customer: their answer agrees it, a later repeat of it is no news
    appointment: input.window ? { start: input.window.start, end: input.window.end, agreed: false } : null,
    draft: { category, customerKey: facts.customerKey, riskFlags: flags, items, ...(input.window ? { proposesTime: true } : {}) },
    note: guessed ? 'partner request about the case the group last talked about; a person confirms' : 'partner request rewritten for the customer',
  }
}

/**
 * A known customer speaking in a public group: read without their case (an answer there is seen
 * by every member, and their case's context must not turn small talk into a case matter), then
 * filed with their latest open case, so the case's history and its attention items show it.
 */
function decidePublic(input: DecisionInput): Decision {
  const speaker = input.speakerCustomer
  const own = speaker?.key
  if (!speaker || !own || input.refs.customerKeys.includes(own)) return decideCustomer(input)
  const named = (c: CaseFacts) => input.refs.caseIds.includes(c.id) || (c.orderNo !== null && input.refs.orderNumbers.includes(c.orderNo))
  const decision = decideCustomer({ ...input, openCases: input.openCases.filter((c) => c.customerKey !== own || named(c)) })
  if (decision.caseChoice.kind !== 'none') return decision
  const theirs = input.openCases.filter((c) => c.customerKey === own)
  if (theirs.length > 0) {
    const latest: CaseChoice = { kind: 'existing', caseId: latestOf(theirs).id }
    // a pleased remark that may confirm their own job ("暖气片都热了，谢谢你们了") is what the
    // team wants to hear, as in their own group; in front of everyone a person answers it
    if (decision.mode === 'record_only' && mayConfirmJob(input)) return PERSON(latest, ['public_group'], 'a remark in a public group that may confirm their job')
    return { ...decision, caseChoice: latest }
  }
  // what a person must act on opens the speaker's case, as in their own group: the matter is
  // tracked, and a later word from them in either group finds it
  return decision.mode === 'needs_person' && input.talkerRole !== 'unknown' ? { ...decision, caseChoice: openFor(speaker, input.refs.orderNumbers) } : decision
}

/**
 * Context decides the reading: time words are an appointment answer only when the case waits for
 * one, and then even a chatty "OK 周六十点" is that answer, or a "promise" that may well be one
 * ("My wife will be home after 4pm, tell him to come straight up"). A reading the context changed
 * is a guess: it is never sent on its own, nor does it move the case (`untilApproved`).
 */
function readInContext(given: DecisionInput, theCase: CaseFacts | undefined): { input: DecisionInput; awaitsTime: boolean; guessed: boolean } {
  const awaitsTime = theCase !== undefined && CUSTOMER_SIDE.has(theCase.state) && theCase.awaiting !== 'material'
  const chatty = given.label === 'chit_chat' || (given.label === 'promise_later' && massOf(given.scores, APPOINTMENT) >= REQUEST_MASS)
  // A bare "today" or part of the day ("今天天气好", "晚上请你吃饭", "早上好") in words the model
  // is sure are chatter, and no question, is chatter; an answer the context guesses names a clock
  // or another day ("今儿下午还练不啊" asks: the team hears it, as before).
  const sureChatter = given.confidence >= SURE_CHATTER && massOf(given.scores, NEEDS_PERSON) < QUIET_PERSON_MASS && !given.asks
  const timeNamed = given.window !== null && (given.window.clockStated || given.window.laterDay || !sureChatter)
  const asAnswer = awaitsTime && timeNamed && chatty && !given.toFamily
  // on an open case, a pleased remark the model finds possibly a completion ("龙头不晃了 👍",
  // "电视有咯，好得很") is the customer confirming the job: the team wants to hear it. (Only while
  // the partner did the job at first; any open case since: leave-one-tenant-out 84 → 76 silent
  // lines for 0.2 points of handling mode, a few more completion drafts a person rejects.)
  const asDone = !asAnswer && theCase !== undefined && mayConfirmJob(given)
  const input: DecisionInput = asAnswer ? { ...given, intent: 'appointment', label: 'appointment' } : asDone ? { ...given, intent: 'completion_claim', label: 'completion_claim' } : given
  return { input, awaitsTime, guessed: asAnswer || asDone }
}

/**
 * A reading the context guessed (chatter taken for the answer about the time, a pleased remark
 * taken for the job confirmed) changes nothing others see before a person agrees: the reply waits
 * for review, the case keeps waiting, and the partner is told only when the reply is approved.
 * Otherwise a wrong guess ("收到 礼拜六叫几个工人搬" while a visit time is awaited) tells the
 * partner "客户已回复预约时间" at once and moves the case to them, whatever the reviewer then does.
 */
function untilApproved(decision: Decision): Decision {
  const { transition, items, appointment, writeback, draft } = decision
  if (!draft || (!transition && !items && !appointment && !writeback)) return decision
  return {
    ...decision,
    mode: 'review_before_send',
    ...NOTHING,
    draft: { ...draft, riskFlags: [...new Set<RiskFlag>([...draft.riskFlags, 'context_guess'])], onApproval: { transition, items, appointment, writeback } },
    note: `${decision.note}; a guess from the context: the case moves when a person approves the reply`,
  }
}

/** A chatty reading the model finds possibly a completion ("龙头不晃了 👍"), not said to family. */
const mayConfirmJob = (input: DecisionInput): boolean => input.label === 'chit_chat' && !input.toFamily && massOf(input.scores, COMPLETION) >= COMPLETION_MASS

function decideCustomer(given: DecisionInput): Decision {
  const choice = pickCustomerCase(given)
  const theCase = choice.kind === 'existing' ? given.openCases.find((c) => c.id === choice.caseId) : undefined
  const { input, awaitsTime, guessed } = readInContext(given, theCase)
  const customerKey = theCase?.customerKey ?? (input.groupCustomers.length === 1 ? input.groupCustomers[0]!.key : null)
  const flags = (extra: RiskFlag[] = []): RiskFlag[] => {
    const all = new Set<RiskFlag>([...input.riskFlags, ...extra])
    if (input.channel === 'public_customer') all.add('public_group')
    if (choice.kind === 'uncertain') all.add('uncertain_case')
    return [...all]
  }
  const draft = (category: DraftCategory, extra: RiskFlag[] = [], items?: string[]): PlannedDraft | null => (customerKey ? { category, customerKey, riskFlags: flags(extra), ...(items ? { items } : {}) } : null)

  const reasons = personReasons(input)
  // said to a family member ("妈，下午一点师傅来，别睡太死"): nothing for the team, unless it names a matter
  if (input.toFamily && TO_FAMILY_READINGS.has(input.label) && !isMatter(reasons)) return RECORD(choice, 'said to a family member')
  if (reasons.length > 0) {
    const all: RiskFlag[] = [...reasons, ...(input.channel === 'public_customer' ? (['public_group'] as const) : [])]
    return PERSON(caseForPerson(input, choice, customerKey), all, `a person must act: ${reasons.join(', ')}`)
  }
  // while a person still handles a dispute or hazard on the case, the customer's further words
  // ("凭证早没了，你们看着办", "半夜听得特别清楚") belong to it: the person hears them, not a guess
  if (theCase?.needsPerson && input.label === 'chit_chat' && input.confidence < OPEN_MATTER_CHATTER && input.substantive && input.type === 'text' && !input.toFamily)
    return PERSON(choice, ['open_matter'], 'customer words while a person must still act on the case')
  if (SILENT.has(input.label))
    return RECORD(choice, input.label === 'promise_later' ? 'a promise or an explanation; the case keeps waiting' : input.label === 'command' ? 'a command from someone without rights' : 'chit-chat')
  // in a public group every answer is seen by every member: a person words it
  if (input.channel === 'public_customer' && input.intent !== 'material_provided') return PERSON(choice, ['public_group'], 'a question in a public group')

  // a question about the time while nothing waits for a time is a question about progress
  const intent = input.intent === 'appointment' && !awaitsTime && input.asks ? 'progress_question' : input.intent
  switch (intent) {
    case 'material_provided':
      return materialArrived(input, choice, theCase, draft)
    case 'completion_claim': {
      const done = completionClaimed(input, choice, theCase, draft)
      return guessed ? untilApproved(done) : done
    }
    case 'progress_question': {
      if (!theCase) return PERSON(choice, ['uncertain_case'], 'progress question without a clear case')
      // a routine answer would talk past the open dispute, hazard or complaint
      if (theCase.needsPerson) return PERSON(choice, ['open_matter'], 'progress question while a person must still act on the case')
      return { mode: directIfSure(input), caseChoice: choice, ...NOTHING, draft: draft('progress_reply'), note: 'progress reply from the case state' }
    }
    case 'appointment': {
      // The agreed time said again (another family member, the contact relaying) is no news. Any
      // other time nobody asked for (a counter-proposal, a change of plan) is for a person to
      // coordinate: a missed change of plan leaves the installer at a locked door.
      if (theCase && !awaitsTime && agreedTime(input, theCase) === 'repeats') return RECORD(choice, 'the agreed time said again')
      if (!theCase || !awaitsTime) return PERSON(choice, ['unclear'], 'a time nobody asked for')
      // a question while a time is being arranged ("周二上午在不在我问一下") is not the answer
      if (input.asks) return PERSON(choice, ['unclear'], 'a question about the time being arranged')
      const known = input.window ?? theCase.appointment
      const answered: Decision = {
        mode: directIfSure(input),
        caseChoice: choice,
        ...NOTHING,
        transition: { to: 'material_received', actor: actorOf(input.talkerRole), reason: 'customer answered about the appointment' },
        items: { missing: [], received: theCase.missingItems.length > 0 ? [...theCase.missingItems] : [], awaiting: null },
        appointment: known ? { start: known.start, end: known.end, agreed: true } : null,
        draft: draft('appointment_confirmed'),
        writeback: theCase.partnerKey ? 'appointment_confirmed' : null,
        note: 'appointment answer',
      }
      return guessed ? untilApproved(answered) : answered
    }
    default:
      return RECORD(choice, 'nothing actionable')
  }
}

/**
 * A partner remark the model reads as status, but quite possibly a request: read as a request.
 * What it says about the day decides first: the time the customer already agreed ("明早8点到" on
 * the agreed morning) is the crew's own plan; a visit moved to another day ("周二改周三",
 * "胡先生家改到后天上午") is news the customer must hear.
 */
function asRequestIfLikely(input: DecisionInput, choice: CaseChoice): DecisionInput {
  if (input.intent === 'partner_request' || input.intent === 'completion_claim' || input.type !== 'text') return input
  const theCase = choice.kind === 'existing' ? input.openCases.find((c) => c.id === choice.caseId) : undefined
  const time = theCase ? agreedTime(input, theCase) : null
  if (input.requestedItems.length === 0 && (time === 'repeats' || time === 'overlaps')) return input
  const known = theCase?.appointment
  const newDay = theCase !== undefined && input.window?.changedTo === true && input.window.dayStated && !input.asks && (!known || compareWindow(known, input.window) === 'differs')
  const p = newDay ? 1 : massOf(input.scores, REQUEST)
  return p >= REQUEST_MASS ? { ...input, intent: 'partner_request', label: 'partner_request', confidence: newDay ? input.confidence : p } : input
}
const REQUEST: ReadonlySet<string> = new Set(['partner_request'])
const APPOINTMENT: ReadonlySet<string> = new Set(['appointment'])

/** How the time a message states (not asks about) relates to the time the case's customer side agreed; null: no such pair. */
function agreedTime(input: DecisionInput, theCase: CaseFacts): ReturnType<typeof compareWindow> {
  if (input.window === null || input.asks || theCase.appointment?.agreed !== true) return null
  return compareWindow(theCase.appointment, input.window)
}
const NEEDS_PERSON: ReadonlySet<string> = new Set(Object.keys(PERSON_READINGS))

/** The readings that need a person are likely enough: above PERSON_MASS, and not dwarfed by a confident silent reading. */
function needsPersonByMass(input: DecisionInput): boolean {
  const mass = massOf(input.scores, NEEDS_PERSON)
  if (mass < PERSON_MASS) return false
  return !SILENT.has(input.label) || mass >= SILENT_RATIO * input.confidence
}

/** Why a person must act on a customer-side message, if they must (empty: Baton may handle it). */
function personReasons(input: DecisionInput): RiskFlag[] {
  const reasons: RiskFlag[] = [...input.signals]
  const byReading = PERSON_READINGS[input.label]
  if (byReading) reasons.push(byReading)
  // attachments and commands are read by their form; words a person could act on are looked at
  // when the readings that need a person are likely enough, or when a routine reading is unsure.
  // Unfamiliar chatter is let be in a public group: members mostly talk among themselves there.
  const words = (input.type === 'text' || input.type === 'url' || input.type === 'unknown') && input.substantive && input.label !== 'command'
  if (words && !byReading) {
    if (needsPersonByMass(input)) reasons.push('unclear')
    else if (!SILENT.has(input.label) && input.confidence < CONFIDENT) reasons.push('unclear')
    else if (SILENT.has(input.label) && input.familiarity < FAMILIAR && input.channel !== 'public_customer') reasons.push('unclear')
    // a question, or words to someone of the business by name; in a public group only the latter
    // (members mostly ask each other there)
    else if (input.label === 'chit_chat' && input.confidence < CHATTY_QUESTION && (input.toTeam || (input.asks && input.channel !== 'public_customer'))) reasons.push('unclear')
  }
  return [...new Set(reasons)]
}

type DraftFn = (category: DraftCategory, extra?: RiskFlag[], items?: string[]) => PlannedDraft | null

/**
 * An attachment from the customer side. It satisfies one requested item that an attachment can
 * satisfy (a photo is not "a convenient time"); the partner hears back once everything that was
 * asked for has arrived, with what arrived.
 */
function materialArrived(input: DecisionInput, choice: CaseChoice, theCase: CaseFacts | undefined, draft: DraftFn): Decision {
  // a photo or file nobody asked for may be a damage report or the wrong customer's: a person looks
  if (!theCase) return PERSON(choice, ['uncertain_case'], 'material without an open case')
  if (!CUSTOMER_SIDE.has(theCase.state)) return { mode: 'review_before_send', caseChoice: choice, ...NOTHING, draft: draft('material_received'), note: 'material nobody was waiting for' }
  const missing = [...theCase.missingItems]
  const at = missing.findIndex(input.isAttachmentItem)
  const got = at >= 0 ? missing.splice(at, 1) : []
  const received = [...theCase.receivedItems, ...got]
  const stillOut = missing.filter(input.isAttachmentItem)
  // a receipt goes out on its own only for what was asked for; a photo nobody asked for (or one
  // sent while a dispute is open, likely its evidence) is acknowledged by a person
  const asked = got.length > 0 || (theCase.missingItems.length === 0 && theCase.awaiting !== 'appointment')
  const mode = asked && !theCase.needsPerson ? 'send_direct' : 'review_before_send'
  if (!asked || theCase.needsPerson) {
    return {
      mode,
      caseChoice: choice,
      ...NOTHING,
      ...(got.length > 0 ? { items: { missing, received, awaiting: theCase.awaiting } } : {}),
      draft: draft('material_received', theCase.needsPerson ? ['open_matter'] : []),
      note: 'material nobody asked for, or during an open matter',
    }
  }
  if (stillOut.length > 0 || (theCase.awaiting === 'appointment' && missing.length > 0)) {
    return {
      mode: 'send_direct',
      caseChoice: choice,
      ...NOTHING,
      items: { missing, received, awaiting: theCase.awaiting },
      draft: draft('material_partial', [], missing),
      note: `material attached; still missing: ${missing.length}`,
    }
  }
  return {
    mode,
    caseChoice: choice,
    ...NOTHING,
    transition: { to: 'material_received', actor: actorOf(input.talkerRole), reason: 'customer provided material' },
    items: { missing: [], received, awaiting: null },
    draft: draft('material_received'),
    writeback: theCase.partnerKey ? 'material_received' : null,
    note: 'material attached to the waiting case',
  }
}

function completionClaimed(input: DecisionInput, choice: CaseChoice, theCase: CaseFacts | undefined, draft: DraftFn): Decision {
  // with no single open case ("牌装好了" after the case was closed, a job nobody recorded, or one
  // of several open cases) the team still wants to hear it: a person sees which job it was (no
  // case is opened for it)
  if (!theCase) return PERSON(choice, ['uncertain_case'], 'completion feedback without an open case')
  if (theCase.needsPerson) return PERSON(choice, ['open_matter'], 'completion feedback while a person must still act on the case')
  if (!CUSTOMER_SIDE.has(theCase.state)) {
    // the job was the partner's: the customer confirming it is what the team wants to hear
    return { mode: 'review_before_send', caseChoice: choice, ...NOTHING, draft: draft('completion_confirmation'), note: 'customer confirms the job is done' }
  }
  const rule = input.proofRuleFor(theCase.serviceType)
  const hasProof = rule === 'none' || rule === 'confirmation' || theCase.proofSinceStateEntry || input.type === 'image' || input.type === 'file'
  if (!hasProof) {
    return {
      mode: 'review_before_send',
      caseChoice: choice,
      ...NOTHING,
      draft: draft('proof_request', ['missing_proof'], [...theCase.missingItems]),
      note: `completion claimed without the required proof (${rule})`,
    }
  }
  return {
    mode: directIfSure(input),
    caseChoice: choice,
    ...NOTHING,
    transition: { to: 'material_received', actor: actorOf(input.talkerRole), reason: 'customer confirmed completion with proof' },
    items: { missing: [], received: [...theCase.receivedItems, ...theCase.missingItems], awaiting: null },
    draft: draft('completion_confirmation'),
    writeback: theCase.partnerKey ? 'completion_confirmed' : null,
    note: 'customer completed their part',
  }
}

/**
 * Only recorded, a remark about a customer with several open cases (an order per partner, a
 * second order) is filed with that customer's case that moved last: the record is the customer's
 * history, and nothing is drafted or closed from it. Candidates of several customers stay unfiled.
 */
function forRecord(input: DecisionInput, choice: CaseChoice): CaseChoice {
  if (choice.kind !== 'uncertain' || choice.candidates.length === 0) return choice
  const cases = input.openCases.filter((c) => choice.candidates.includes(c.id))
  if (cases.length !== choice.candidates.length || new Set(cases.map((c) => c.customerKey)).size !== 1) return choice
  return { kind: 'existing', caseId: latestOf(cases).id }
}

/** The case that moved last (the newer one on a tie). */
function latestOf(cases: readonly CaseFacts[]): CaseFacts {
  return cases.reduce((a, b) => (b.stateEnteredAt.getTime() > a.stateEnteredAt.getTime() || (b.stateEnteredAt.getTime() === a.stateEnteredAt.getTime() && b.id > a.id) ? b : a))
}

/** Readings of a remark about no particular case (the crew's day, settlement, a team-wide notice). */
const ABOUT_NO_CASE: ReadonlySet<string> = new Set(['partner_general', 'internal_general'])

/** Nothing named: the case the group last talked about, when there is one (and the remark is about a case at all). */
function withContext(input: DecisionInput, choice: CaseChoice): CaseChoice {
  // booked jobs moved with no order named ("下午的单都往后挪") are many customers' news, not the last case's
  if (choice.kind !== 'none' || input.contextCaseId === null || ABOUT_NO_CASE.has(input.label) || input.signals.includes('schedule_change')) return choice
  return input.openCases.some((c) => c.id === input.contextCaseId) ? { kind: 'existing', caseId: input.contextCaseId } : choice
}

/**
 * Reasons that only say how Baton read a message ("unclear", "in a public group", "no single
 * case"), not what the matter is: a message with only these is shown to a person, but does not
 * hold back the case's routine answers.
 */
export const HOW_READ: ReadonlySet<RiskFlag> = new Set(['unclear', 'public_group', 'uncertain_case', 'missing_context'])

/** Whether these reasons name a matter (a complaint, a hazard, a refund...) rather than only how Baton read it. */
export function isMatter(reasons: readonly RiskFlag[]): boolean {
  return reasons.some((r) => !HOW_READ.has(r))
}

/**
 * A matter for a person in a one-customer group with no open case becomes a case: the team's
 * work on it is tracked (owner, due time, evidence) like any other. Public groups and unknown
 * talkers only ever attach to a case that exists.
 */
function caseForPerson(input: DecisionInput, choice: CaseChoice, customerKey: string | null): CaseChoice {
  if (choice.kind !== 'none' || input.channel !== 'customer' || customerKey === null || input.talkerRole === 'unknown') return choice
  const customer = input.groupCustomers.find((c) => c.key === customerKey)
  return customer ? openFor(customer, input.refs.orderNumbers) : choice
}

/** A new case for a customer: the order the message names, or their only order. */
function openFor(customer: CustomerFacts, named: readonly string[]): CaseChoice {
  const orderNo = named.find((o) => customer.orderNumbers.includes(o)) ?? (customer.orderNumbers.length === 1 ? customer.orderNumbers[0]! : null)
  return { kind: 'open', customerKey: customer.key, serviceType: customer.serviceType ?? 'after_sales', partnerKey: null, orderNo }
}

function actorOf(role: TalkerRole): CaseActor {
  return role === 'executor' ? 'executor' : role === 'customer_contact' ? 'contact' : 'customer'
}

/** Customer side: the latest waiting case of the group; explicit references narrow it down. */
function pickCustomerCase(input: DecisionInput): CaseChoice {
  const byRef = input.openCases.filter((c) => input.refs.caseIds.includes(c.id) || (c.orderNo !== null && input.refs.orderNumbers.includes(c.orderNo)))
  if (byRef.length === 1) return { kind: 'existing', caseId: byRef[0]!.id }
  // an order of theirs that has no open case is not the other order's case
  if (byRef.length === 0 && input.refs.orderNumbers.length > 0 && input.openCases.every((c) => c.orderNo !== null)) return { kind: 'none' }
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

/**
 * Partner/internal side: explicit references only (case id, order number, customer). An order of
 * the customer that has no open case opens its own case: a second order is never merged into
 * the first order's case.
 */
function pickReferenced(input: DecisionInput): CaseChoice {
  const byId = input.openCases.filter((c) => input.refs.caseIds.includes(c.id))
  if (byId.length === 1) return { kind: 'existing', caseId: byId[0]!.id }
  const byOrder = input.openCases.filter((c) => c.orderNo !== null && input.refs.orderNumbers.includes(c.orderNo))
  if (byOrder.length === 1) return { kind: 'existing', caseId: byOrder[0]!.id }
  const customers = input.referencedCustomers
  if (customers.length === 1) {
    const customer = customers[0]!
    const named = input.refs.orderNumbers.find((o) => customer.orderNumbers.includes(o))
    const samePartner = (c: CaseFacts) => input.partnerKey === null || c.partnerKey === null || c.partnerKey === input.partnerKey
    const open = input.openCases.filter((c) => c.customerKey === customer.key && samePartner(c))
    if (named === undefined) {
      if (open.length === 1) return { kind: 'existing', caseId: open[0]!.id }
      if (open.length > 1) return { kind: 'uncertain', candidates: open.map((c) => c.id) }
    } else {
      // the named order has no open case; one open case without any order is taken to be it
      const orderless = open.filter((c) => c.orderNo === null)
      if (orderless.length === 1) return { kind: 'existing', caseId: orderless[0]!.id }
    }
    const orderNo = named ?? (customer.orderNumbers.length === 1 ? customer.orderNumbers[0]! : null)
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
