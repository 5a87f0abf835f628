import { noteCaseOnContact } from './growth/case-contact-events.js'
import type { CaseActor } from '../domain/case-state.js'
import { closeMatches } from '../domain/close-matches.js'
import type { CaseState, ServiceType } from '../domain/types.js'
import { clearAttention } from './raise-attention.js'
import { applyTransition } from './apply-transition.js'
import { newCaseRecord, type CaseRecord } from './case-record.js'
import type { DecisionServices } from './decide-ports.js'
import type { Directory } from './directory.js'
import { AppError } from './errors.js'
import type { Clock } from './ports.js'
import type { Store, Tx } from './store.js'

export interface ManageDeps {
  store: Store
  directory: Directory
  services: Pick<DecisionServices, 'dueAt' | 'materialItemsFor' | 'planTimer' | 'contactOf'>
  clock: Clock
}

export interface Staff {
  id: string
  supervisor: boolean
}

const actorOf = (s: Staff): CaseActor => (s.supervisor ? 'supervisor' : 'handler')

async function lockExisting(tx: Tx, caseId: number): Promise<CaseRecord> {
  const kase = await tx.lockCase(caseId)
  if (!kase) throw new AppError('not_found', `case ${caseId} does not exist`, { entity: 'case', id: caseId })
  return kase
}

/** Resolves a customer by key, name or alias (what a handler types after /open). */
export function findCustomer(directory: Directory, ref: string) {
  const r = ref.trim()
  return directory.customers.find((c) => c.key === r || c.name === r || c.aliases.includes(r) || c.orderNumbers.includes(r))
}

/** `/open <customer> <service type> [note]`: a case opened by hand, owned by its opener. */
export async function openCase(deps: ManageDeps, by: Staff, input: { customer: string; serviceType: ServiceType; note?: string | null }): Promise<CaseRecord> {
  const customer = findCustomer(deps.directory, input.customer)
  if (!customer) {
    // a typo or a half-remembered name: say whom they may have meant
    const candidates = deps.directory.customers.map((c) => ({ label: c.name, names: [c.name, c.key, ...c.aliases, ...c.orderNumbers] }))
    throw new AppError('not_found', `no customer ${JSON.stringify(input.customer)}`, { entity: 'customer', ref: input.customer, suggestions: closeMatches(input.customer, candidates) })
  }
  const now = deps.clock.now()
  const partner = deps.directory.partners[0]
  return deps.store.transaction(async (tx) => {
    const record = newCaseRecord(
      {
        customerKey: customer.key,
        serviceType: input.serviceType,
        contactId: customer.contact,
        executorId: customer.executor ?? customer.contact,
        ownerId: by.id,
        // with a single partner the case is theirs; otherwise a handler sets it later
        partnerKey: deps.directory.partners.length === 1 ? partner!.key : null,
        orderNo: customer.orderNumbers[0] ?? null,
        dueAt: deps.services.dueAt('requested', input.serviceType, now),
      },
      now,
    )
    record.nextTimerAt = deps.services.planTimer(record)?.at ?? null
    const id = await tx.insertCase(record)
    await tx.appendEvidence(id, { kind: 'case_opened', actor: by.id, at: now, payload: { customer: customer.key, serviceType: input.serviceType, note: input.note ?? null, byHand: true } })
    await noteCaseOnContact(tx, deps.services, { id, ...record }, 'case_opened', now)
    // what waited for a person about this customer before the case existed now waits on the case
    const carried = await tx.attachAttention(customer.key, id)
    if (carried > 0) {
      record.attentionSince = now
      await tx.updateCase(id, { attentionSince: now })
      await tx.appendEvidence(id, { kind: 'attention_attached', actor: by.id, at: now, payload: { items: carried } })
    }
    return { id, ...record }
  })
}

/** `/wait`, `/done`, `/cancel`: a state change by hand, checked by the state machine. */
export async function moveCase(deps: ManageDeps, by: Staff, caseId: number, to: CaseState, opts: { reason: string; dueInMs?: number; cancellationReason?: string }): Promise<CaseRecord> {
  const now = deps.clock.now()
  return deps.store.transaction(async (tx) => {
    let kase = await lockExisting(tx, caseId)
    const missing = to === 'waiting_customer_material' || to === 'waiting_contact_coordination' ? deps.services.materialItemsFor(kase.serviceType) : undefined
    // moving a case by hand is a person acting on it
    if (kase.attentionSince !== null) {
      await clearAttention(tx, { caseId }, { by: by.id, note: `case moved to ${to}`, at: now })
      kase = { ...kase, attentionSince: null }
    }
    return applyTransition(tx, deps.services, kase, {
      to,
      actor: actorOf(by),
      by: by.id,
      reason: opts.reason,
      now,
      ...(opts.dueInMs !== undefined ? { dueAt: new Date(now.getTime() + opts.dueInMs) } : {}),
      ...(missing ? { missingItems: missing } : {}),
      ...(opts.cancellationReason ? { cancellationReason: opts.cancellationReason } : {}),
    })
  })
}

/** `/executor <case> @person` and `/assign <case> @handler` and `/take <case>`. */
export async function setCaseRole(deps: ManageDeps, by: Staff, caseId: number, role: 'executor' | 'owner', personId: string): Promise<CaseRecord> {
  const person = deps.directory.person(personId)
  if (!person) throw new AppError('not_found', `no person ${personId}`, { entity: 'person', id: personId })
  if (role === 'owner' && !deps.directory.hasRole(personId, 'handler', 'supervisor')) {
    throw new AppError('bad_arguments', `${person.id} is not a handler`, { field: 'person', reason: 'not_a_handler', name: person.name })
  }
  const now = deps.clock.now()
  return deps.store.transaction(async (tx) => {
    const kase = await lockExisting(tx, caseId)
    if (kase.closedAt) throw new AppError('conflict', `case ${caseId} is closed`, { id: caseId, state: kase.state })
    const patch = role === 'executor' ? { executorId: personId } : { ownerId: personId }
    await tx.updateCase(caseId, { ...patch, updatedAt: now })
    await tx.appendEvidence(caseId, { kind: role === 'executor' ? 'executor_set' : 'owner_set', actor: by.id, at: now, payload: { from: role === 'executor' ? kase.executorId : kase.ownerId, to: personId } })
    // a handler taking the case (or being given it) is a person acting on what waited for one
    if (role === 'owner' && kase.attentionSince !== null) {
      await clearAttention(tx, { caseId }, { by: by.id, note: `owner set to ${personId}`, at: now })
      return { ...kase, ...patch, attentionSince: null, updatedAt: now }
    }
    return { ...kase, ...patch, updatedAt: now }
  })
}

/**
 * `/remind <case> [now|in <d>]` and `/snooze <case> <d>`: moves the case's next timer (and, for
 * a snooze, its due time) without touching the reminder ladder.
 */
export async function rescheduleTimer(deps: ManageDeps, by: Staff, caseId: number, opts: { delayMs: number; snooze: boolean; reason: string | null }): Promise<CaseRecord> {
  const now = deps.clock.now()
  return deps.store.transaction(async (tx) => {
    const kase = await lockExisting(tx, caseId)
    if (kase.closedAt) throw new AppError('conflict', `case ${caseId} is closed`, { id: caseId, state: kase.state })
    if (!deps.services.planTimer(kase)) throw new AppError('conflict', `case ${caseId} has no pending timer`, { id: caseId, reason: 'no_timer' })
    const at = new Date(now.getTime() + opts.delayMs)
    const dueAt = opts.snooze && (!kase.dueAt || kase.dueAt < at) ? at : kase.dueAt
    // The timer job id is (case, stateVersion, attempt) and BullMQ ignores a re-add under an id
    // it holds: without a new version the old job would keep its old time and the moved timer
    // would never be scheduled. The version bump also makes the old job stale if it fires.
    const stateVersion = kase.stateVersion + 1
    await tx.updateCase(caseId, { nextTimerAt: at, dueAt, stateVersion, updatedAt: now })
    await tx.appendEvidence(caseId, {
      kind: opts.snooze ? 'snoozed' : 'remind_requested',
      actor: by.id,
      at: now,
      payload: { nextTimerAt: at.toISOString(), dueAt: dueAt?.toISOString() ?? null, reason: opts.reason },
    })
    return { ...kase, nextTimerAt: at, dueAt, stateVersion, updatedAt: now }
  })
}
