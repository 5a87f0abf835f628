import type { Wording } from '../../config/load-wording-dir.js'
import { formatDuration } from '../../domain/duration.js'
import { say } from '../case-facts-text.js'
import type { DecisionServices } from '../decide-ports.js'
import type { Directory } from '../directory.js'
import type { Clock, Logger } from '../ports.js'
import type { Store } from '../store.js'

/** Finds review drafts still pending that were created before a given time. */
export interface PendingDraftQueries {
  pendingCreatedBefore(before: Date, limit: number): Promise<number[]>
}

export interface ExpiryDeps {
  store: Store
  pending: PendingDraftQueries
  directory: Directory
  services: Pick<DecisionServices, 'draftExpiryMs'>
  wording: Wording
  clock: Clock
  log: Logger
}

/**
 * The draft-expiry sweep: every review draft left pending longer than `policy.draftExpiry` is
 * marked `expired` (a missed send), recorded in the case's evidence and reported to the team.
 * Each draft is claimed under its row lock and must still be pending, so concurrent sweeps in
 * several processes and a reviewer deciding at the same moment never both win.
 */
export async function expireDrafts(deps: ExpiryDeps, opts: { limit?: number } = {}): Promise<number[]> {
  const now = deps.clock.now()
  const ms = deps.services.draftExpiryMs
  const before = new Date(now.getTime() - ms)
  const expired: number[] = []
  for (const id of await deps.pending.pendingCreatedBefore(before, opts.limit ?? 500)) {
    const done = await deps.store.transaction(async (tx) => {
      const draft = await tx.lockDraft(id)
      if (!draft || draft.status !== 'pending' || draft.createdAt.getTime() > before.getTime()) return false
      await tx.updateDraft(id, { status: 'expired', decidedBy: 'baton', decidedAt: now, decisionNote: `expired after ${formatDuration(ms, 'en')} without a decision` })
      const kase = draft.caseId !== null ? await tx.lockCase(draft.caseId) : null
      if (kase) {
        await tx.appendEvidence(kase.id, { kind: 'draft_expired', actor: 'baton', at: now, payload: { draftId: id, category: draft.category, createdAt: draft.createdAt.toISOString(), expiryMs: ms } })
      }
      const internal = deps.directory.internalGroups()[0]
      if (internal) {
        const caseRef = kase ? say(deps.wording, 'review.case_ref', { case_id: kase.id, customer: deps.directory.customer(kase.customerKey)?.name ?? kase.customerKey }) : '-'
        const text = say(deps.wording, 'review.draft_expired', { draft_id: id, case_ref: caseRef, expiry: formatDuration(ms) })
        await tx.insertSend({ kind: 'notice', caseId: kase?.id ?? null, groupKey: internal.key, text }, now)
      }
      return true
    })
    if (done) expired.push(id)
  }
  if (expired.length > 0) deps.log.info({ drafts: expired }, 'pending drafts expired undecided')
  return expired
}
