import type { Wording } from '../../config/load-wording-dir.js'
import type { DraftRecord } from '../case-record.js'
import { applyOnApproval } from '../case-effects.js'
import type { DecisionServices } from '../decide-ports.js'
import type { Directory } from '../directory.js'
import { AppError } from '../errors.js'
import type { Clock } from '../ports.js'
import type { Store, Tx } from '../store.js'

export interface ReviewDeps {
  store: Store
  directory: Directory
  services: Pick<DecisionServices, 'checkLeak' | 'draftExpiryMs' | 'compose' | 'dueAt' | 'planTimer' | 'contactOf'>
  /** the write-back's wording, for a draft whose approval tells the partner (`onApproval`) */
  wording: Wording
  clock: Clock
}

/** Who acts, and whether they hold the supervisor role (needed for `force`). */
export interface Reviewer {
  id: string
  supervisor: boolean
}

/** Which text went out: the draft as shown, the original after a blocked edit, a forced blocked edit, or a clean edit. */
export type SentText = 'draft' | 'original' | 'forced_edit' | 'edit'

export type ReviewResult =
  | { kind: 'sent'; draft: DraftRecord; text: string; sent: SentText }
  | { kind: 'rejected'; draft: DraftRecord }
  | { kind: 'taken_over'; draft: DraftRecord }
  | { kind: 'edit_blocked'; draft: DraftRecord; hits: Array<{ kind: string; match: string }> }

async function lockPending(tx: Tx, draftId: number, expiry: { now: Date; ms: number }): Promise<DraftRecord> {
  const draft = await tx.lockDraft(draftId)
  if (!draft) throw new AppError('not_found', `draft ${draftId} does not exist`, { entity: 'draft', id: draftId })
  // Past its expiry a draft is a missed send even before the sweep marks it: it is never sent late.
  const expiresAt = new Date(draft.createdAt.getTime() + expiry.ms)
  if (draft.status === 'pending' && draft.mode === 'review_before_send' && expiresAt.getTime() <= expiry.now.getTime()) {
    throw new AppError('already_decided', `draft ${draftId} expired undecided`, { id: draftId, status: 'expired', decidedBy: 'baton', decidedAt: expiresAt.toISOString(), expiryMs: expiry.ms })
  }
  if (draft.status !== 'pending') {
    throw new AppError('already_decided', `draft ${draftId} was already ${draft.status}`, {
      id: draftId,
      status: draft.status,
      decidedBy: draft.decidedBy,
      decidedAt: draft.decidedAt?.toISOString() ?? null,
    })
  }
  return draft
}

async function queueDraftSend(tx: Tx, draft: DraftRecord, text: string, now: Date): Promise<void> {
  await tx.insertSend({ kind: 'draft', draftId: draft.id, caseId: draft.caseId, groupKey: draft.targetGroupKey, text }, now)
}

async function evidence(tx: Tx, draft: DraftRecord, by: string, now: Date, payload: Record<string, unknown>): Promise<void> {
  if (draft.caseId === null) return
  // appends to one case's chain must be serial: a delivery recorded at the same moment would
  // otherwise take the same seq (a unique violation, i.e. a failed decision)
  await tx.lockCase(draft.caseId)
  await tx.appendEvidence(draft.caseId, { kind: 'draft_decided', actor: by, at: now, payload: { draftId: draft.id, ...payload } })
}

/** Whether the approval also moved the case (held-back effects), for the evidence trail. */
const movedOf = (r: 'applied' | 'stale' | 'none'): { caseMoved?: 'applied' | 'stale' } => (r === 'none' ? {} : { caseMoved: r })

/**
 * `/approve <draft> [force]`: sends the draft as written and shown in the review notice. After an
 * edit the leak guard blocked, plain approval still sends that original (the blocked edit is
 * dropped); only a supervisor's `force` sends the blocked edit, and force means nothing else.
 * Exactly one send per draft: the draft row is locked and must still be pending.
 */
export async function approveDraft(deps: ReviewDeps, draftId: number, by: Reviewer, opts: { force?: boolean } = {}): Promise<ReviewResult> {
  const now = deps.clock.now()
  return deps.store.transaction(async (tx) => {
    const draft = await lockPending(tx, draftId, { now, ms: deps.services.draftExpiryMs })
    if (opts.force && !by.supervisor) throw new AppError('forbidden', 'only a supervisor may force a draft', { need: 'supervisor' })
    const blockedEdit = draft.finalText !== null && Array.isArray(draft.riskDetails['editLeaks'])
    const forced = blockedEdit && opts.force === true
    const text = forced ? draft.finalText! : draft.text
    const status = forced ? 'edited' : 'approved'
    const sent: SentText = forced ? 'forced_edit' : blockedEdit ? 'original' : 'draft'
    await tx.updateDraft(draft.id, { status, decidedBy: by.id, decidedAt: now, finalText: text })
    await queueDraftSend(tx, draft, text, now)
    const caseMoved = await applyOnApproval(tx, deps, draft, by.id, now)
    await evidence(tx, draft, by.id, now, { decision: status, forced, text, ...(sent === 'original' ? { droppedEdit: draft.finalText } : {}), ...movedOf(caseMoved) })
    return { kind: 'sent', draft: { ...draft, status, decidedBy: by.id, decidedAt: now, finalText: text }, text, sent }
  })
}

/** `/edit <draft> <text>`: the edit passes the leak guard again; a hit sends nothing. */
export async function editDraft(deps: ReviewDeps, draftId: number, by: Reviewer, text: string): Promise<ReviewResult> {
  const now = deps.clock.now()
  const trimmed = text.trim()
  if (trimmed.length === 0) throw new AppError('bad_arguments', 'the edited text is empty', { field: 'text' })
  return deps.store.transaction(async (tx) => {
    const draft = await lockPending(tx, draftId, { now, ms: deps.services.draftExpiryMs })
    const customer = deps.directory.customers.find((c) => c.group === draft.targetGroupKey)
    const phone = customer ? deps.directory.person(customer.contact)?.phone : undefined
    const guard = deps.services.checkLeak(trimmed, { phones: phone ? [phone] : [], ids: [] })
    if (!guard.ok) {
      await tx.updateDraft(draft.id, { finalText: trimmed, riskDetails: { ...draft.riskDetails, editLeaks: guard.hits, editedBy: by.id } })
      await evidence(tx, draft, by.id, now, { decision: 'edit_blocked', text: trimmed, hits: guard.hits })
      return { kind: 'edit_blocked', draft, hits: guard.hits }
    }
    await tx.updateDraft(draft.id, { status: 'edited', decidedBy: by.id, decidedAt: now, finalText: trimmed })
    await queueDraftSend(tx, draft, trimmed, now)
    // an edited reply still agrees with the reading (the customer did answer); rejecting is how a person says it did not
    const caseMoved = await applyOnApproval(tx, deps, draft, by.id, now)
    await evidence(tx, draft, by.id, now, { decision: 'edited', original: draft.text, text: trimmed, ...movedOf(caseMoved) })
    return { kind: 'sent', draft: { ...draft, status: 'edited', decidedBy: by.id, decidedAt: now, finalText: trimmed }, text: trimmed, sent: 'edit' }
  })
}

/** `/reject <draft> [reason]`: nothing is sent; the case stays where it was (a guessed reading's held-back move included). */
export async function rejectDraft(deps: ReviewDeps, draftId: number, by: Reviewer, reason: string | null): Promise<ReviewResult> {
  const now = deps.clock.now()
  return deps.store.transaction(async (tx) => {
    const draft = await lockPending(tx, draftId, { now, ms: deps.services.draftExpiryMs })
    await tx.updateDraft(draft.id, { status: 'rejected', decidedBy: by.id, decidedAt: now, decisionNote: reason })
    await evidence(tx, draft, by.id, now, { decision: 'rejected', reason })
    return { kind: 'rejected', draft: { ...draft, status: 'rejected', decidedBy: by.id, decidedAt: now } }
  })
}

/** `/take <draft>`: nothing is sent; the draft's case is owned by the sender from now on. */
export async function takeOverDraft(deps: ReviewDeps, draftId: number, by: Reviewer): Promise<ReviewResult> {
  const now = deps.clock.now()
  return deps.store.transaction(async (tx) => {
    const draft = await lockPending(tx, draftId, { now, ms: deps.services.draftExpiryMs })
    await tx.updateDraft(draft.id, { status: 'taken_over', decidedBy: by.id, decidedAt: now })
    if (draft.caseId !== null) {
      await tx.lockCase(draft.caseId)
      await tx.updateCase(draft.caseId, { ownerId: by.id, updatedAt: now })
    }
    await evidence(tx, draft, by.id, now, { decision: 'taken_over' })
    return { kind: 'taken_over', draft: { ...draft, status: 'taken_over', decidedBy: by.id, decidedAt: now } }
  })
}
