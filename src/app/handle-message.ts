import { decideMessage, type Decision } from '../domain/decide/decide-message.js'
import type { CustomerFacts } from '../domain/decide/case-facts.js'
import type { CaseState } from '../domain/types.js'
import type { Wording } from '../config/load-wording-dir.js'
import type { CustomerConfig } from '../config/tenant-schema.js'
import { applyTransition } from './apply-transition.js'
import { newCaseRecord, type CaseRecord } from './case-record.js'
import { label, say } from './case-facts-text.js'
import { createDraft, notifyUncertain } from './create-draft.js'
import type { DecisionServices, UnderstandingResult } from './decide-ports.js'
import type { Directory } from './directory.js'
import { isAppError } from './errors.js'
import type { RecordedMessage } from './inbound-message.js'
import type { Clock, Logger } from './ports.js'
import type { OpenCaseFilter, Store, Tx } from './store.js'

export interface HandleDeps {
  store: Store
  directory: Directory
  services: DecisionServices
  wording: Wording
  clock: Clock
  log: Logger
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
  referenced: CustomerConfig[]
  partner: { key: string } | undefined
  filter: OpenCaseFilter
}

function prepare(deps: HandleDeps, msg: RecordedMessage): Prepared {
  const { directory, services } = deps
  const understanding = services.understand({ text: msg.text, type: msg.type, channel: msg.channel, talkerRole: msg.talkerRole, mentionIds: msg.mentionIds })
  const refs = understanding.references
  const customerSide = msg.channel === 'customer' || msg.channel === 'public_customer'
  const groupCustomers = customerSide && msg.groupKey ? directory.customersInGroup(msg.groupKey) : []
  // In a public group every customer shares the room: only an explicit reference narrows it.
  const scoped = msg.channel === 'public_customer' ? groupCustomers.filter((c) => refs.customerKeys.includes(c.key)) : groupCustomers
  const referenced = refs.customerKeys.map((k) => directory.customer(k)).filter((c): c is CustomerConfig => c !== undefined)
  const partner = msg.groupKey ? directory.partnerForGroup(msg.groupKey) : undefined
  const filter = { customerKeys: [...new Set([...scoped, ...referenced].map((c) => c.key))], caseIds: refs.caseIds, orderNumbers: refs.orderNumbers }
  return { msg, understanding, scoped, referenced, partner, filter }
}

/**
 * Understands a recorded inbound message, ties it to a case, applies the decision (state
 * change, draft or review notice, write-back) and marks the message handled — all in one
 * transaction, so a crash leaves the message unhandled and it is decided again on restart.
 */
export async function handleMessage(deps: HandleDeps, msg: RecordedMessage): Promise<HandleOutcome> {
  const p = prepare(deps, msg)
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
 * Decides messages that arrived together in one batch transaction (Store.batch), in order, each
 * seeing the cases as the ones before it left them. If the batch cannot be decided as one
 * (too many open cases, an unexpected error), every message is decided on its own instead, so
 * one bad message costs only itself. A database outage fails them all: the intake's catch-up
 * decides them once PostgreSQL is back.
 */
export async function handleMessages(deps: HandleDeps & { isOutage?: (err: unknown) => boolean }, msgs: readonly RecordedMessage[]): Promise<Array<PromiseSettledResult<HandleOutcome>>> {
  const one = async (): Promise<Array<PromiseSettledResult<HandleOutcome>>> => {
    const out: Array<PromiseSettledResult<HandleOutcome>> = []
    for (const m of msgs) out.push(await handleMessage(deps, m).then((value) => ({ status: 'fulfilled' as const, value }), (reason: unknown) => ({ status: 'rejected' as const, reason })))
    return out
  }
  const batch = deps.store.batch?.bind(deps.store)
  if (!batch || msgs.length < 2) return one()
  let prepared: Prepared[]
  try {
    prepared = msgs.map((m) => prepare(deps, m))
  } catch {
    return one()
  }
  const now = deps.clock.now()
  const filter = {
    customerKeys: [...new Set(prepared.flatMap((p) => p.filter.customerKeys ?? []))],
    caseIds: [...new Set(prepared.flatMap((p) => p.filter.caseIds ?? []))],
    orderNumbers: [...new Set(prepared.flatMap((p) => p.filter.orderNumbers ?? []))],
  }
  try {
    const outcomes = await batch(async (tx) => {
      const facts = msgs.map((m) => ({ id: m.id, type: m.type, direction: m.direction, saidAt: m.saidAt }))
      if (!(await tx.preload(filter, facts))) return null
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
  const { services } = deps
  const { msg, understanding, scoped, referenced, partner } = p
  const refs = understanding.references
  const openCases = await tx.findOpenCases(p.filter)
  const decision = decideMessage({
    channel: msg.channel,
    talkerRole: msg.talkerRole,
    type: msg.type,
    intent: understanding.intent,
    riskFlags: understanding.riskFlags,
    refs,
    groupCustomers: scoped.map(toFacts),
    referencedCustomers: referenced.map(toFacts),
    openCases,
    partnerKey: partner?.key ?? null,
    proofRuleFor: (t) => services.proofRuleFor(t),
  })

  let kase = await resolveCase(tx, deps, decision, now)
  if (kase) {
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
        riskFlags: understanding.riskFlags,
        mode: decision.mode,
        note: decision.note,
      },
    })
  }

  // decided on facts read before the case was locked: a concurrent message may have moved it
  let refused = false
  if (kase && decision.transition) {
    try {
      const missing = decision.transition.to === 'waiting_customer_material' || decision.transition.to === 'waiting_contact_coordination' ? services.materialItemsFor(kase.serviceType) : undefined
      kase = await applyTransition(tx, services, kase, { ...decision.transition, by: msg.talkerId, now, ...(missing ? { missingItems: missing } : {}) })
      if (decision.transition.to === 'material_received') kase = await recordCustomerCompletion(tx, kase, now)
    } catch (err) {
      if (!isAppError(err) || err.code !== 'illegal_transition') throw err
      deps.log.warn({ messageId: msg.wecomId, caseId: kase.id, reason: err.message }, 'transition refused')
      await tx.appendEvidence(kase.id, { kind: 'transition_refused', actor: msg.talkerId, at: now, payload: { from: kase.state, to: decision.transition.to, reason: err.message } })
      refused = true
    }
  }

  let draftId: number | null = null
  const source = { messageId: msg.id, text: msg.text, groupKey: msg.groupKey }
  const candidates = decision.caseChoice.kind === 'uncertain' ? decision.caseChoice.candidates : []
  if (decision.draft && kase) {
    const out = await createDraft(tx, deps, { category: decision.draft.category, kase, riskFlags: decision.draft.riskFlags, source, forceReview: decision.mode === 'review_before_send', candidates, now })
    draftId = out.draftId
  } else if (decision.draft && !kase && candidates.length > 0) {
    // Uncertain but all candidates are one customer's: draft against the newest candidate.
    const first = await tx.lockCase(candidates[0]!)
    if (first) draftId = (await createDraft(tx, deps, { category: decision.draft.category, kase: first, riskFlags: decision.draft.riskFlags, source, forceReview: true, candidates, now })).draftId
  } else if (decision.mode === 'review_before_send') {
    await notifyUncertain(tx, deps, { riskFlags: decision.draft?.riskFlags ?? [...understanding.riskFlags, 'uncertain_case'], source, candidates, kase, now })
  }

  // the write-back belongs to the transition: none when the case had already moved on
  if (decision.writeback && kase && !refused) kase = await writeBack(tx, deps, kase, decision.writeback, now)

  await tx.markMessageHandled(msg.id, {
    caseId: kase?.id ?? null,
    intent: understanding.intent,
    mode: decision.mode,
    classification: { riskFlags: understanding.riskFlags, references: refs, note: decision.note, caseChoice: decision.caseChoice },
    at: now,
  })
  return { decision, understanding, caseId: kase?.id ?? null, draftId }
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
  await tx.appendEvidence(id, { kind: 'case_opened', actor: 'baton', at: now, payload: { customer: customer.key, serviceType: choice.serviceType, partner: choice.partnerKey, orderNo: choice.orderNo, contact: record.contactId, executor: record.executorId } })
  return { id, ...record }
}

async function recordCustomerCompletion(tx: Tx, kase: CaseRecord, now: Date): Promise<CaseRecord> {
  await tx.updateCase(kase.id, { customerCompletedAt: now })
  return { ...kase, customerCompletedAt: now }
}

/**
 * Tells the partner's coordination group that the customer did their part (case and order
 * only, never the customer's private data), and moves the case to waiting on the partner.
 */
async function writeBack(tx: Tx, deps: HandleDeps, kase: CaseRecord, what: NonNullable<Decision['writeback']>, now: Date): Promise<CaseRecord> {
  const partner = kase.partnerKey ? deps.directory.partner(kase.partnerKey) : undefined
  if (!partner) return kase
  const composed = deps.services.compose({
    category: 'partner_writeback',
    serviceType: kase.serviceType,
    facts: { case_id: String(kase.id), order_no: kase.orderNo ?? '-', what: label(deps.wording, 'writeback', what), service_label: label(deps.wording, 'serviceTypes', kase.serviceType) },
    now,
  })
  const text = composed.ok ? composed.text : say(deps.wording, 'review.writeback', { case_id: kase.id, order: kase.orderNo ? say(deps.wording, 'review.writeback_order', { order_no: kase.orderNo }) : '', what: label(deps.wording, 'writeback', what) })
  await tx.insertSend({ kind: 'writeback', caseId: kase.id, groupKey: partner.group, text }, now)
  await tx.updateCase(kase.id, { writebackAt: now })
  await tx.appendEvidence(kase.id, { kind: 'writeback', actor: 'baton', at: now, payload: { partner: partner.key, group: partner.group, what, text, sinceCustomerCompletionMs: kase.customerCompletedAt ? now.getTime() - kase.customerCompletedAt.getTime() : null } })
  const next: CaseState = 'waiting_partner'
  return applyTransition(tx, deps.services, { ...kase, writebackAt: now }, { to: next, actor: 'system', by: 'baton', reason: `write-back sent to ${partner.key}`, now })
}
