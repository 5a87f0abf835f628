import { AppError } from '../errors.js'
import type { ChurnOutcome } from '../../domain/growth/churn-score.js'
import type { ChurnTaskView } from './churn-ports.js'
import type { ChurnDeps } from './churn-deps.js'

export type CloseResult = { kind: 'closed'; task: ChurnTaskView } | { kind: 'already_closed'; task: ChurnTaskView }

/**
 * A person closes an intervention task with its outcome (chat or API); the task row and its
 * `closed` audit row are written together. Closing a closed task changes nothing and says who did.
 */
export async function closeChurnTask(deps: Pick<ChurnDeps, 'churn' | 'clock' | 'log'>, id: number, outcome: ChurnOutcome, by: string, note: string | null): Promise<CloseResult> {
  const now = deps.clock.now()
  const r = await deps.churn.transaction(async (tx): Promise<CloseResult> => {
    const task = await tx.lockTask(id)
    if (!task) throw new AppError('not_found', `churn task ${id} does not exist`, { entity: 'churn_task', ref: String(id) })
    if (task.closedAt !== null) return { kind: 'already_closed', task }
    await tx.closeTask(id, { outcome, by, note }, now)
    await tx.appendContactEvent({ contactId: task.contactId, kind: 'task', detail: { task: id, change: 'closed', outcome, by }, at: now })
    return { kind: 'closed', task: { ...task, closedAt: now, closedBy: by, outcome, closeNote: note } }
  })
  if (r.kind === 'closed') deps.log.info({ task: id, contact: r.task.contactId, outcome, by }, 'churn task closed')
  return r
}
