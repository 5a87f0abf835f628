import type { Directory } from './directory.js'
import type { Clock, Logger, Messenger, SendTarget } from './ports.js'
import type { SendRecord } from './case-record.js'
import type { Store, Tx } from './store.js'

export type DeliveryOutcome = 'sent' | 'already_done' | 'retry' | 'failed'

export interface DeliverDeps {
  store: Store
  messenger: Messenger
  directory: Directory
  clock: Clock
  log: Logger
  /** text for the internal group when a send finally fails (from wording) */
  failureNotice: (info: { caseId: number | null; group: string; attempts: number; reason: string }) => string
}

/**
 * Delivers one queued send. The row is claimed under a row lock and must still be queued, so a
 * re-delivered job never sends twice; the result (WeCom message id, or the failure) is written
 * back with a delivery event, and a send that finally fails is reported once to the team.
 */
export async function deliverSend(deps: DeliverDeps, sendId: number, attempt: { final: boolean }): Promise<DeliveryOutcome> {
  const row = await deps.store.transaction((tx) => tx.claimSend(sendId))
  if (!row) return 'already_done'
  const log = deps.log.child({ sendId, kind: row.kind, group: row.groupKey })
  let target: SendTarget | null = null
  if (row.groupKey) {
    const roomId = deps.directory.roomIdOf(row.groupKey)
    target = roomId ? { roomId } : null
  } else if (row.contactId) target = { contactId: row.contactId }
  try {
    if (!target) throw new Error(`no room known for group ${row.groupKey ?? '-'}`)
    const { wecomMessageId } = await deps.messenger.sendText(target, row.text)
    await deps.store.transaction((tx) => finish(tx, deps, row, { status: 'sent', wecomMessageId, error: null }))
    log.info({ wecomMessageId }, 'sent')
    return 'sent'
  } catch (err) {
    const reason = (err as Error).message
    if (!attempt.final) {
      await deps.store.transaction((tx) => tx.finishSend(row.id, { status: 'queued', wecomMessageId: null, error: reason, at: deps.clock.now() }))
      log.warn({ reason, attempts: row.attempts }, 'send failed; will retry')
      return 'retry'
    }
    await deps.store.transaction((tx) => finish(tx, deps, row, { status: 'failed', wecomMessageId: null, error: reason }))
    log.error({ reason, attempts: row.attempts }, 'send failed for good')
    return 'failed'
  }
}

async function finish(tx: Tx, deps: DeliverDeps, row: SendRecord, r: { status: 'sent' | 'failed'; wecomMessageId: string | null; error: string | null }): Promise<void> {
  const now = deps.clock.now()
  await tx.finishSend(row.id, { ...r, at: now })
  if (row.caseId !== null) {
    await tx.lockCase(row.caseId)
    await tx.appendEvidence(row.caseId, {
      kind: 'delivery',
      actor: 'baton',
      at: now,
      payload: { sendId: row.id, sendKind: row.kind, draftId: row.draftId, group: row.groupKey, status: r.status, wecomMessageId: r.wecomMessageId, attempts: row.attempts, ...(r.error ? { reason: r.error } : {}) },
    })
  }
  // a failed notice is not reported by another notice: no loops
  const internal = deps.directory.internalGroups()[0]
  if (r.status === 'failed' && row.kind !== 'notice' && internal) {
    const group = row.groupKey ? (deps.directory.group(row.groupKey)?.topic ?? row.groupKey) : (row.contactId ?? '-')
    await tx.insertSend({ kind: 'notice', caseId: row.caseId, groupKey: internal.key, text: deps.failureNotice({ caseId: row.caseId, group, attempts: row.attempts, reason: r.error ?? '' }) }, now)
  }
}
