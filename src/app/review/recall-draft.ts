import { AppError } from '../errors.js'
import type { Clock, Messenger } from '../ports.js'
import type { Store } from '../store.js'

export type RecallResult = { kind: 'recalled' | 'not_recalled'; draftId: number; caseId: number | null }

/**
 * `/recall <draft>`: a sent draft was wrong. Baton recalls the WeCom message when the puppet
 * allows it and records the wrong send either way (it counts in the weekly "wrong sends").
 */
export async function recallDraft(deps: { store: Store; messenger: Messenger; clock: Clock }, draftId: number, by: string): Promise<RecallResult> {
  const send = await deps.store.transaction(async (tx) => {
    const draft = await tx.lockDraft(draftId)
    if (!draft) throw new AppError('not_found', `draft ${draftId} does not exist`, { entity: 'draft', id: draftId })
    const s = await tx.draftSend(draftId)
    if (!s || s.status !== 'sent') throw new AppError('conflict', `draft ${draftId} was not sent`, { id: draftId, reason: 'not_sent' })
    if (s.recalledAt) throw new AppError('conflict', `draft ${draftId} was already recalled`, { id: draftId, reason: 'already_recalled' })
    return s
  })
  // the puppet call happens outside the transaction: it may be slow and is not transactional
  const recalled = send.wecomMessageId ? await deps.messenger.recall(send.wecomMessageId).catch(() => false) : false
  const now = deps.clock.now()
  await deps.store.transaction(async (tx) => {
    await tx.markRecalled(send.id, recalled ? 'recalled' : 'not_recalled', now)
    if (send.caseId !== null) {
      await tx.lockCase(send.caseId)
      await tx.appendEvidence(send.caseId, { kind: 'recalled', actor: by, at: now, payload: { draftId, sendId: send.id, wecomMessageId: send.wecomMessageId, recalled } })
    }
  })
  return { kind: recalled ? 'recalled' : 'not_recalled', draftId, caseId: send.caseId }
}
