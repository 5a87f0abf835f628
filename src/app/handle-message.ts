import type { Decision } from '../domain/decide/decide-message.js'
import { ENGAGED_MS, draftsThatHold, holdWhilePersonEngaged } from '../domain/decide/hold-for-person.js'
import { decideWithCommerce, type CommerceContext, type CommerceDecision } from '../domain/decide/commerce-decision.js'
import type { OrderLookupResult } from '../domain/commerce/order-facts.js'
import type { OrderWords } from '../domain/commerce/order-progress.js'
import { lookUpOrders, ordersToLookUp, type OrderLookup } from './orders/order-lookup.js'
import type { CustomerFacts } from '../domain/decide/case-facts.js'
import type { HandlingMode } from '../domain/types.js'
import type { Wording } from '../config/load-wording-dir.js'
import type { CustomerConfig } from '../config/tenant-schema.js'
import { applyTransition } from './apply-transition.js'
import { newCaseRecord, type CaseRecord } from './case-record.js'
import { createDraft } from './create-draft.js'
import { clearAttention, raiseAttention } from './raise-attention.js'
import { noticeAbout } from './team-notices.js'
import type { DecisionServices, UnderstandingResult } from './decide-ports.js'
import type { Directory } from './directory.js'
import { isAppError } from './errors.js'
import type { RecordedMessage } from './inbound-message.js'
import type { Clock, Logger } from './ports.js'
import type { OpenCaseFilter, Store, Tx } from './store.js'
import { noteCaseOnContact } from './growth/case-contact-events.js'
import { recordCustomerCompletion, writeBack } from './case-effects.js'

export interface HandleDeps {
  store: Store
  directory: Directory
  services: DecisionServices
  wording: Wording
  clock: Clock
  log: Logger
  /** the tenant's order service (orders.lookup); absent: progress answers come from the case alone */
  orders?: OrderLookup
  /** customer-safe words for an order's state (config/wording/orders.yaml), read at start-up */
  orderWords?: OrderWords
}

export interface HandleOutcome {
  decision: Decision
  understanding: UnderstandingResult
  caseId: number | null
  draftId: number | null
}

/** What a message is understood to say and whom it can concern, worked out before any lock. */
interface Prepared {
  msg: RecordedMessage
  understanding: UnderstandingResult
  scoped: CustomerConfig[]
  /** in a public group: the customer whose contact or executor is speaking, if exactly one */
  speakerCustomer: CustomerConfig | null
  referenced: CustomerConfig[]
  partner: { key: string } | undefined
  filter: OpenCaseFilter
  /** the order service's answers for this message (looked up before any transaction) */
  orders: ReadonlyMap<string, OrderLookupResult>
}

function prepare(deps: HandleDeps, msg: RecordedMessage): Prepared {
  const { directory, services } = deps
  const customerSide = msg.channel === 'customer' || msg.channel === 'public_customer'
  const groupCustomers = customerSide && msg.groupKey ? directory.customersInGroup(msg.groupKey) : []
  const understanding = services.understand({
    text: msg.text,
    type: msg.type,
    channel: msg.channel,
    talkerRole: msg.talkerRole,
    mentionIds: msg.mentionIds,
    groupCustomerKeys: groupCustomers.map((c) => c.key),
    now: msg.saidAt,
    householdNames: directory.householdNames(groupCustomers, msg.talkerId),
    teamNames: customerSide ? directory.teamNames() : [],
  })
  const refs = understanding.references
  // In a public group every customer shares the room: only an explicit reference narrows it.
  const scoped = msg.channel === 'public_customer' ? groupCustomers.filter((c) => refs.customerKeys.includes(c.key)) : groupCustomers
  const referenced = refs.customerKeys.map((k) => directory.customer(k)).filter((c): c is CustomerConfig => c !== undefined)
  const partner = msg.groupKey ? directory.partnerForGroup(msg.groupKey) : undefined
  // a customer's own contact or executor speaking there is filed with that customer's case
  const own = msg.channel === 'public_customer' ? directory.customersOfPerson(msg.talkerId) : []
  const speakerCustomer = own.length === 1 ? own[0]! : null
  const filter = { customerKeys: [...new Set([...scoped, ...referenced, ...(speakerCustomer ? [speakerCustomer] : [])].map((c) => c.key))], caseIds: refs.caseIds, orderNumbers: refs.orderNumbers }
  return { msg, understanding, scoped, referenced, partner, speakerCustomer, filter, orders: NO_ORDERS }
}

const NO_ORDERS: ReadonlyMap<string, OrderLookupResult> = new Map()

/** The order lookups a prepared message needs, done outside the transaction (slow I/O never holds locks). */
async function withOrders(deps: HandleDeps, p: Prepared): Promise<Prepared> {
  if (!deps.orders) return p
  const wanted = ordersToLookUp(p.msg, p.understanding, p.scoped)
  return wanted.length === 0 ? p : { ...p, orders: await lookUpOrders(deps.orders, wanted, deps.clock.now()) }
}

/**
 * Understands a recorded inbound message, ties it to a case, applies the decision (state
 * change, draft or review notice, write-back) and marks the message handled — all in one
 * transaction, so a crash leaves the message unhandled and it is decided again on restart.
 */
export async function handleMessage(deps: HandleDeps, msg: RecordedMessage): Promise<HandleOutcome> {
  const p = await withOrders(deps, prepare(deps, msg))
  const now = deps.clock.now()
  const out = await deps.store.transaction((tx) => decideIn(tx, deps, p, now))
  logDecided(deps, msg, out)
  return out
}

/** Logged once committed: a batch that fails after deciding is decided again, one by one. */
function logDecided(deps: HandleDeps, msg: RecordedMessage, out: HandleOutcome): void {
  deps.log.info({ messageId: msg.wecomId, intent: out.understanding.intent, mode: out.decision.mode, caseId: out.caseId, draftId: out.draftId }, 'message decided')
}

/**
 * Decides messages that arrived together (or one alone) in one batch transaction (Store.batch), in order, each
 * seeing the cases as the ones before it left them. If the batch cannot be decided as one
 * (too many open cases, an unexpected error), every message is decided on its own instead, so
 * one bad message costs only itself. A database outage fails them all: the intake's catch-up
 * decides them once PostgreSQL is back.
 */
export async function handleMessages(deps: HandleDeps & { isOutage?: (err: unknown) => boolean }, msgs: readonly RecordedMessage[]): Promise<Array<PromiseSettledResult<HandleOutcome>>> {
  const one = async (): Promise<Array<PromiseSettledResult<HandleOutcome>>> => {
    const out: Array<PromiseSettledResult<HandleOutcome>> = []
    for (const m of msgs)
      out.push(
        await handleMessage(deps, m).then(
          (value) => ({ status: 'fulfilled' as const, value }),
          (reason: unknown) => ({ status: 'rejected' as const, reason }),
        ),
      )
    return out
  }
  const batch = deps.store.batch?.bind(deps.store)
  // a lone message goes through the batch too: it writes everything in one statement at commit,
  // where the one-by-one path takes a round trip per row (fewer statements per message; the
  // benchmark's latency at 100 msg/s on a 2-core machine did not move with it, see README)
  if (!batch || msgs.length === 0) return one()
  let prepared: Prepared[]
  try {
    prepared = msgs.map((m) => prepare(deps, m))
  } catch {
    return one()
  }
  prepared = await Promise.all(prepared.map((p) => withOrders(deps, p)))
  const now = deps.clock.now()
  const filter = {
    customerKeys: [...new Set(prepared.flatMap((p) => p.filter.customerKeys ?? []))],
    caseIds: [...new Set(prepared.flatMap((p) => p.filter.caseIds ?? []))],
    orderNumbers: [...new Set(prepared.flatMap((p) => p.filter.orderNumbers ?? []))],
  }
  try {
    const outcomes = await batch(async (tx) => {
      const facts = msgs.map((m) => ({ id: m.id, groupKey: m.groupKey, type: m.type, direction: m.direction, saidAt: m.saidAt, talkerId: m.talkerId, talkerRole: m.talkerRole }))
      // a burst's batch takes draft and send ids in a chunk or two (a lone message: one at a time)
      const idChunks = { drafts: Math.ceil(msgs.length / 8), sends: Math.ceil(msgs.length / 4) }
      if (!(await tx.preload(filter, facts, { idChunks }))) return null
      const out: HandleOutcome[] = []
      for (const p of prepared) out.push(await decideIn(tx, deps, p, now))
      return out
    })
    if (outcomes) {
      outcomes.forEach((out, i) => logDecided(deps, msgs[i]!, out))
      return outcomes.map((value) => ({ status: 'fulfilled', value }))
    }
    deps.log.info({ messages: msgs.length }, 'too many open cases for one batch; deciding one by one')
  } catch (err) {
    if (deps.isOutage?.(err)) return msgs.map(() => ({ status: 'rejected', reason: err }))
    deps.log.warn({ messages: msgs.length, err: { message: (err as Error).message } }, 'batch decision failed; deciding one by one')
  }
  return one()
}

async function decideIn(tx: Tx, deps: HandleDeps, p: Prepared, now: Date): Promise<HandleOutcome> {
  const { msg, understanding } = p
  const decision = await holdIfPersonEngaged(tx, deps, p, await decideOnOpenCases(tx, deps, p, now), now)
  let kase = await resolveCase(tx, deps, decision, now)
  if (kase) await recordOnCase(tx, deps, p, kase, decision, now)

  // staff answering in a customer group by hand is a person acting on what waited for one
  if ((msg.channel === 'customer' || msg.channel === 'public_customer') && (msg.talkerRole === 'handler' || msg.talkerRole === 'supervisor') && msg.groupKey) {
    await clearAttention(tx, { groupKey: msg.groupKey }, { by: msg.talkerId, note: 'answered in the group', at: now })
  }

  let refused = false
  if (kase) ({ kase, refused } = await moveCase(tx, deps, p, kase, decision, now))
  const { draftId, mode } = await actOnDecision(tx, deps, p, kase, decision, now)

  // the write-back belongs to the transition: none when the case had already moved on
  if (decision.writeback && kase && !refused) kase = await writeBack(tx, deps, kase, decision.writeback, now)

  await markHandled(tx, p, decision, kase?.id ?? null, mode, now)
  return { decision, understanding, caseId: kase?.id ?? null, draftId }
}

/**
 * A send Baton would make on its own waits for review while a person is in the conversation
 * (src/domain/decide/hold-for-person.ts). Looked up only for such a send: most decisions never pay for it.
 */
async function holdIfPersonEngaged(tx: Tx, deps: HandleDeps, p: Prepared, decision: CommerceDecision, now: Date): Promise<CommerceDecision> {
  if (decision.mode !== 'send_direct' || !decision.draft || !deps.services.isAutomatic(decision.draft.category)) return decision
  const caseId = decision.caseChoice.kind === 'existing' ? decision.caseChoice.caseId : null
  const engaged = await tx.personEngaged({
    groupKey: p.msg.groupKey,
    caseId,
    categories: draftsThatHold(decision.draft.category),
    since: new Date(now.getTime() - ENGAGED_MS),
    until: p.msg.saidAt,
    messageId: p.msg.id,
    talkerId: p.msg.talkerId,
  })
  // a photo is the material asked for whoever prompted it; only words can answer another member
  return holdWhilePersonEngaged(decision, engaged === 'side_talk' && p.msg.type !== 'text' ? null : engaged)
}

/** The decision on this message, given the open cases it may be about (its group's context included). */
async function decideOnOpenCases(tx: Tx, deps: HandleDeps, p: Prepared, now: Date): Promise<CommerceDecision> {
  const { services } = deps
  const { msg, understanding, scoped, referenced, partner } = p
  const refs = understanding.references
  const openCases = await tx.findOpenCases(p.filter)
  const contextCaseId = await groupContext(tx, msg, refs, openCases)
  if (contextCaseId !== null && !openCases.some((c) => c.id === contextCaseId)) openCases.push(...(await tx.findOpenCases({ caseIds: [contextCaseId] })))
  return decideWithCommerce(
    {
      channel: msg.channel,
      talkerRole: msg.talkerRole,
      type: msg.type,
      intent: understanding.intent,
      label: understanding.label,
      confidence: understanding.confidence,
      scores: understanding.scores,
      familiarity: understanding.familiarity,
      riskFlags: understanding.riskFlags,
      signals: understanding.signals,
      requestedItems: [...understanding.requested.items.map((i) => i.label), ...understanding.requested.unlisted],
      window: understanding.window,
      substantive: understanding.substantive,
      asks: understanding.asks,
      toFamily: understanding.toFamily,
      toTeam: understanding.toTeam,
      isAttachmentItem: (item) => services.isAttachmentItem(item),
      refs,
      groupCustomers: scoped.map(toFacts),
      speakerCustomer: p.speakerCustomer ? toFacts(p.speakerCustomer) : null,
      referencedCustomers: referenced.map(toFacts),
      openCases,
      partnerKey: partner?.key ?? null,
      contextCaseId,
      proofRuleFor: (t) => services.proofRuleFor(t),
    },
    commerceContext(deps, p, now),
  )
}

/** The message (and any order lookup it caused) as evidence on its case. */
async function recordOnCase(tx: Tx, deps: HandleDeps, p: Prepared, kase: CaseRecord, decision: CommerceDecision, now: Date): Promise<void> {
  const { msg, understanding } = p
  await tx.appendEvidence(kase.id, {
    kind: 'message',
    actor: msg.talkerId,
    at: now,
    payload: {
      messageId: msg.id,
      wecomId: msg.wecomId,
      group: msg.groupKey,
      channel: msg.channel,
      role: msg.talkerRole,
      type: msg.type,
      // the original is evidence (partner/internal wording included); it never reaches a customer
      text: msg.text,
      attachment: msg.attachment,
      intent: understanding.intent,
      reading: { label: understanding.label, confidence: Math.round(understanding.confidence * 1000) / 1000, model: deps.services.modelVersion },
      riskFlags: understanding.riskFlags,
      mode: decision.mode,
      note: decision.note,
    },
  })
  if (decision.order) await recordOrderLookup(tx, kase.id, decision.order, now)
}

/**
 * The case moves as decided: its transition, the partner now involved, and what it waits for.
 * `refused` when a concurrent message had already moved it (then nothing else changes).
 */
async function moveCase(tx: Tx, deps: HandleDeps, p: Prepared, kase: CaseRecord, decision: CommerceDecision, now: Date): Promise<{ kase: CaseRecord; refused: boolean }> {
  const { services } = deps
  const { msg, partner } = p
  // decided on facts read before the case was locked: a concurrent message may have moved it
  let refused = false
  if (decision.transition) {
    try {
      kase = await applyTransition(tx, services, kase, { ...decision.transition, by: msg.talkerId, now, ...(decision.items ? { missingItems: decision.items.missing } : {}) })
      if (decision.transition.to === 'material_received') kase = await recordCustomerCompletion(tx, kase, now)
    } catch (err) {
      if (!isAppError(err) || err.code !== 'illegal_transition') throw err
      deps.log.warn({ messageId: msg.wecomId, caseId: kase.id, reason: err.message }, 'transition refused')
      await tx.appendEvidence(kase.id, { kind: 'transition_refused', actor: msg.talkerId, at: now, payload: { from: kase.state, to: decision.transition.to, reason: err.message } })
      refused = true
    }
  }

  // a case opened before any partner was involved (a complaint, a question) belongs to the
  // partner who now asks the customer for something: the write-back must reach them
  if (kase.partnerKey === null && partner && msg.talkerRole === 'partner' && decision.items) {
    await tx.updateCase(kase.id, { partnerKey: partner.key })
    await tx.appendEvidence(kase.id, { kind: 'partner_set', actor: msg.talkerId, at: now, payload: { partner: partner.key } })
    kase = { ...kase, partnerKey: partner.key }
  }

  // what the case now waits for, which items are still out and which visit time it knows of
  // (a refused transition changes nothing)
  if ((decision.items || decision.appointment) && !refused) {
    const patch = {
      ...(decision.items ? { missingItems: decision.items.missing, receivedItems: decision.items.received, awaiting: decision.items.awaiting } : {}),
      ...(decision.appointment ? { appointment: decision.appointment } : {}),
    }
    await tx.updateCase(kase.id, patch)
    kase = { ...kase, ...patch }
  }
  return { kase, refused }
}

/** What the decision asks of people: a person's attention or a draft; returns the mode that actually happened. */
async function actOnDecision(tx: Tx, deps: HandleDeps, p: Prepared, kase: CaseRecord | null, decision: CommerceDecision, now: Date): Promise<{ draftId: number | null; mode: HandlingMode }> {
  const { msg } = p
  let draftId: number | null = null
  // the mode recorded is what happened: a draft may have gone to review, a review may have become a notice
  let mode: HandlingMode = decision.mode
  const source = { messageId: msg.id, text: msg.text, groupKey: msg.groupKey, about: noticeAbout(msg) }
  const candidates = decision.caseChoice.kind === 'uncertain' ? decision.caseChoice.candidates : []
  if (decision.attention) {
    const customerKey = kase?.customerKey ?? (p.scoped.length === 1 ? p.scoped[0]!.key : p.referenced.length === 1 ? p.referenced[0]!.key : null)
    await raiseAttention(tx, deps, { msg, kase, customerKey, reasons: decision.attention.reasons, candidates, now })
    mode = 'needs_person'
  } else if (decision.draft && kase) {
    const out = await createDraft(tx, deps, {
      category: decision.draft.category,
      kase,
      riskFlags: decision.draft.riskFlags,
      ...(decision.draft.items ? { items: decision.draft.items } : {}),
      ...(decision.draft.facts ? { facts: decision.draft.facts } : {}),
      ...(decision.draft.knowledge ? { knowledge: decision.draft.knowledge } : {}),
      ...(decision.draft.onApproval ? { onApproval: decision.draft.onApproval } : {}),
      ...(decision.draft.proposesTime ? { proposesTime: true } : {}),
      ...ownIdsOf(decision),
      source,
      forceReview: decision.mode === 'review_before_send',
      candidates,
      now,
    })
    draftId = out.draftId
    mode = out.draftId === null ? 'needs_person' : out.mode
  } else if (decision.draft) {
    // nothing to draft against: a person must find the case
    await raiseAttention(tx, deps, { msg, kase: null, customerKey: decision.draft.customerKey, reasons: [...decision.draft.riskFlags, 'uncertain_case'], candidates, now })
    mode = 'needs_person'
  }
  return { draftId, mode }
}

/** The message is handled: its case, the mode that happened and how it was read, for the record. */
async function markHandled(tx: Tx, p: Prepared, decision: CommerceDecision, caseId: number | null, mode: HandlingMode, now: Date): Promise<void> {
  const { msg, understanding } = p
  await tx.markMessageHandled(msg.id, {
    caseId,
    intent: understanding.intent,
    mode,
    classification: {
      label: understanding.label,
      confidence: understanding.confidence,
      // the readings behind the label and how familiar the wording was: why a person was or was not told
      scores: understanding.scores.slice(0, 4),
      familiarity: understanding.familiarity,
      asks: understanding.asks,
      riskFlags: understanding.riskFlags,
      signals: understanding.signals,
      references: understanding.references,
      requested: understanding.requested,
      window: understanding.window,
      attention: decision.attention?.reasons ?? null,
      note: decision.note,
      caseChoice: decision.caseChoice,
    },
    at: now,
  })
}

/**
 * The shop's facts for the decision: the order answers looked up for this message and the
 * policy/campaign entries in force. Null when the tenant has neither (the decision is then
 * exactly decideMessage's).
 */
function commerceContext(deps: HandleDeps, p: Prepared, now: Date): CommerceContext | null {
  const knowledge = deps.services.answerKnowledge?.() ?? { entries: [], campaignWords: [] }
  if (knowledge.entries.length === 0 && knowledge.campaignWords.length === 0 && p.orders.size === 0) return null
  if (p.orders.size > 0 && !deps.orderWords) throw new Error('order lookups without order wording (wire orderWords with orders)')
  return { text: p.msg.text, now, timeZone: deps.services.timeZone, orders: p.orders, words: deps.orderWords!, knowledge }
}

/** The order's own numbers a draft about it may show the customer (their tracking number). */
function ownIdsOf(decision: CommerceDecision): { ownIds?: string[] } {
  const r = decision.order?.result
  if (!r?.ok || !r.facts.trackingNo || !r.facts.visible.includes('trackingNo')) return {}
  return { ownIds: [r.facts.trackingNo] }
}

/** The lookup the decision rested on, in the case's evidence: where from, when, which fields. */
async function recordOrderLookup(tx: Tx, caseId: number, order: NonNullable<CommerceDecision['order']>, now: Date): Promise<void> {
  const r = order.result
  const payload = r.ok
    ? {
        orderNo: order.orderNo,
        ok: true,
        source: r.source,
        lookedUpAt: r.at.toISOString(),
        ms: r.ms,
        cached: r.cached,
        fieldsUsed: r.fieldsUsed,
        customerVisible: r.facts.visible,
        status: r.facts.status,
        rawStatus: r.facts.rawStatus,
        carrier: r.facts.carrier,
        trackingNo: r.facts.trackingNo,
        eta: r.facts.eta,
        items: r.facts.items,
      }
    : { orderNo: order.orderNo, ok: false, source: r.source, lookedUpAt: r.at.toISOString(), ms: r.ms, reason: r.reason, detail: r.detail }
  await tx.appendEvidence(caseId, { kind: 'order_lookup', actor: 'baton', at: now, payload })
}

/** How far back a coordination or internal group's last case still explains a message naming nobody. */
const GROUP_CONTEXT_MS = 6 * 3600_000

/**
 * The case a partner or internal message that names nothing is most likely about: the one its
 * group last talked about, recently. Locked like any case the decision may change.
 */
async function groupContext(tx: Tx, msg: RecordedMessage, refs: UnderstandingResult['references'], openCases: readonly { id: number }[]): Promise<number | null> {
  if ((msg.channel !== 'partner' && msg.channel !== 'internal') || !msg.groupKey) return null
  if (refs.caseIds.length + refs.orderNumbers.length + refs.customerKeys.length + refs.phoneTails.length > 0 || openCases.length > 0) return null
  const id = await tx.lastCaseInGroup(msg.groupKey, new Date(msg.saidAt.getTime() - GROUP_CONTEXT_MS))
  if (id === null) return null
  return (await tx.lockCase(id)) ? id : null
}

function toFacts(c: CustomerConfig): CustomerFacts {
  return { key: c.key, groupKey: c.group, contactId: c.contact, executorId: c.executor ?? null, serviceType: c.serviceType ?? null, orderNumbers: c.orderNumbers }
}

async function resolveCase(tx: Tx, deps: HandleDeps, decision: Decision, now: Date): Promise<CaseRecord | null> {
  const choice = decision.caseChoice
  if (choice.kind === 'existing') return tx.lockCase(choice.caseId)
  if (choice.kind !== 'open') return null
  const customer = deps.directory.customer(choice.customerKey)
  if (!customer) return null
  const record = newCaseRecord(
    {
      customerKey: customer.key,
      serviceType: choice.serviceType,
      contactId: customer.contact,
      executorId: customer.executor ?? customer.contact,
      ownerId: null,
      partnerKey: choice.partnerKey,
      orderNo: choice.orderNo,
      dueAt: deps.services.dueAt('requested', choice.serviceType, now),
    },
    now,
  )
  record.nextTimerAt = deps.services.planTimer(record)?.at ?? null
  const id = await tx.insertCase(record)
  await tx.appendEvidence(id, {
    kind: 'case_opened',
    actor: 'baton',
    at: now,
    payload: { customer: customer.key, serviceType: choice.serviceType, partner: choice.partnerKey, orderNo: choice.orderNo, contact: record.contactId, executor: record.executorId },
  })
  await noteCaseOnContact(tx, deps.services, { id, ...record }, 'case_opened', now)
  return { id, ...record }
}
