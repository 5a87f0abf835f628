import type { CaseEffects } from '../domain/decide/decide-message.js'
import type { CaseAppointment, CaseState } from '../domain/types.js'
import type { Wording } from '../config/load-wording-dir.js'
import { applyTransition } from './apply-transition.js'
import type { CaseRecord, DraftOnApproval, DraftRecord } from './case-record.js'
import { label, say } from './case-facts-text.js'
import type { DecisionServices } from './decide-ports.js'
import type { Directory } from './directory.js'
import { isAppError } from './errors.js'
import type { Tx } from './store.js'

export type WritebackWhat = NonNullable<CaseEffects['writeback']>

/** What writing back needs: the partner's group, the template and the wording around it. */
export interface WritebackDeps {
  services: Pick<DecisionServices, 'compose' | 'dueAt' | 'planTimer' | 'contactOf'>
  directory: Directory
  wording: Wording
}

/** The customer did their part now: the write-back's delay is measured from here (metrics). */
export async function recordCustomerCompletion(tx: Tx, kase: CaseRecord, now: Date): Promise<CaseRecord> {
  await tx.updateCase(kase.id, { customerCompletedAt: now })
  return { ...kase, customerCompletedAt: now }
}

/**
 * Tells the partner's coordination group that the customer did their part (case and order
 * only, never the customer's private data), and moves the case to waiting on the partner.
 */
export async function writeBack(tx: Tx, deps: WritebackDeps, kase: CaseRecord, what: WritebackWhat, now: Date): Promise<CaseRecord> {
  const partner = kase.partnerKey ? deps.directory.partner(kase.partnerKey) : undefined
  if (!partner) return kase
  const composed = deps.services.compose({
    category: 'partner_writeback',
    serviceType: kase.serviceType,
    facts: { case_id: String(kase.id), order_no: kase.orderNo ?? '-', what: writebackWhat(deps.wording, kase, what), service_label: label(deps.wording, 'serviceTypes', kase.serviceType) },
    now,
  })
  const text = composed.ok
    ? composed.text
    : say(deps.wording, 'review.writeback', {
        case_id: kase.id,
        order: kase.orderNo ? say(deps.wording, 'review.writeback_order', { order_no: kase.orderNo }) : '',
        what: writebackWhat(deps.wording, kase, what),
      })
  await tx.insertSend({ kind: 'writeback', caseId: kase.id, groupKey: partner.group, text }, now)
  await tx.updateCase(kase.id, { writebackAt: now })
  await tx.appendEvidence(kase.id, {
    kind: 'writeback',
    actor: 'baton',
    at: now,
    payload: { partner: partner.key, group: partner.group, what, text, sinceCustomerCompletionMs: kase.customerCompletedAt ? now.getTime() - kase.customerCompletedAt.getTime() : null },
  })
  const next: CaseState = 'waiting_partner'
  return applyTransition(tx, deps.services, { ...kase, writebackAt: now }, { to: next, actor: 'system', by: 'baton', reason: `write-back sent to ${partner.key}`, now })
}

/** What the partner is told arrived: the requested items by name when the request named them. */
function writebackWhat(wording: Wording, kase: CaseRecord, what: WritebackWhat): string {
  if (what !== 'material_received' || kase.receivedItems.length === 0) return label(wording, 'writeback', what)
  const missing = kase.missingItems.length > 0 ? say(wording, 'review.writeback_missing', { items: kase.missingItems.join('、') }) : ''
  return say(wording, 'review.writeback_items', { items: kase.receivedItems.join('、'), missing })
}

/** The case is as it was when the draft was made: same state entry, waiting for the same things at the same visit time. */
const unchangedSince = (kase: CaseRecord, was: DraftOnApproval): boolean =>
  kase.stateVersion === was.stateVersion && kase.awaiting === was.awaiting && JSON.stringify(kase.missingItems) === JSON.stringify(was.missingItems) && sameTime(kase.appointment, was.wasAppointment)
const sameTime = (a: CaseAppointment | null, b: CaseAppointment | null): boolean => (a === null || b === null ? a === b : a.start === b.start && a.end === b.end && a.agreed === b.agreed)

/**
 * What a draft made from a guessed reading does to its case once a person approves it (see
 * `untilApproved` in decide-message.ts): the move, the items, the visit time and the write-back
 * the decision held back. `stale` when the case moved since the draft was made (another answer,
 * a partner's new request, a person's `/wait`): the approval then only sends the reply, since
 * the held-back move was decided on facts that no longer hold. (A partner's new request on a case
 * already waiting keeps its state entry but changes what it waits for: stale too.)
 */
export async function applyOnApproval(tx: Tx, deps: WritebackDeps, draft: DraftRecord, by: string, now: Date): Promise<'applied' | 'stale' | 'none'> {
  const effects = draft.onApproval
  if (!effects || draft.caseId === null) return 'none'
  let kase = await tx.lockCase(draft.caseId)
  if (!kase || !unchangedSince(kase, effects)) return 'stale'
  if (effects.transition) {
    try {
      kase = await applyTransition(tx, deps.services, kase, { ...effects.transition, by, now, ...(effects.items ? { missingItems: effects.items.missing } : {}) })
    } catch (err) {
      if (!isAppError(err) || err.code !== 'illegal_transition') throw err
      return 'stale'
    }
    if (effects.transition.to === 'material_received') kase = await recordCustomerCompletion(tx, kase, now)
  }
  if (effects.items || effects.appointment) {
    const patch = {
      ...(effects.items ? { missingItems: effects.items.missing, receivedItems: effects.items.received, awaiting: effects.items.awaiting } : {}),
      ...(effects.appointment ? { appointment: effects.appointment } : {}),
    }
    await tx.updateCase(kase.id, patch)
    kase = { ...kase, ...patch }
  }
  if (effects.writeback) await writeBack(tx, deps, kase, effects.writeback, now)
  return 'applied'
}
