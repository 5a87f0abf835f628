import type { Wording } from '../../config/load-wording-dir.js'
import { say } from '../case-facts-text.js'
import type { Directory } from '../directory.js'
import type { Clock, Logger } from '../ports.js'
import type { Store } from '../store.js'
import type { ReviewResult } from './decide-draft.js'

export interface AnnounceDeps {
  store: Store
  directory: Directory
  wording: Wording
  clock: Clock
  log: Logger
}

/**
 * Tells the internal group about a draft decision made outside the chat (the console or the
 * API): a `/approve` typed in the group is seen by everyone there, a click in the console is
 * not, and teammates must not work a draft someone already sent. Best effort, after the
 * decision committed: a failure here is logged and never undoes the decision.
 */
export async function announceDecision(deps: AnnounceDeps, result: ReviewResult, by: string): Promise<void> {
  if (result.kind === 'edit_blocked') return
  const internal = deps.directory.internalGroups()[0]
  if (!internal) return
  const draft = result.draft
  const group = deps.directory.group(draft.targetGroupKey)?.topic ?? draft.targetGroupKey
  // which text went out, as in the chat reply: the original after a blocked edit, or a forced edit
  const action = result.kind === 'sent' ? { draft: 'approved', original: 'approved_original', forced_edit: 'forced', edit: 'edited' }[result.sent] : result.kind
  const text = say(deps.wording, 'review.outside_decision', {
    by,
    draft_id: draft.id,
    case_id: draft.caseId ?? '-',
    group,
    action: deps.wording.get(`review.outside_actions.${action}`) ?? action,
  })
  try {
    await deps.store.transaction((tx) => tx.insertSend({ kind: 'notice', caseId: draft.caseId, groupKey: internal.key, text }, deps.clock.now()).then(() => undefined))
  } catch (err) {
    deps.log.warn({ draftId: draft.id, err: { message: (err as Error).message } }, 'could not tell the internal group about a console decision')
  }
}
