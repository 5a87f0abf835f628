import type { Directory } from './directory.js'
import type { Clock, Logger, Messenger, SendTarget } from './ports.js'
import type { SendRecord } from './case-record.js'
import type { ClaimedSend, NewEvidence, Store, Tx } from './store.js'

export type DeliveryOutcome = 'sent' | 'already_done' | 'retry' | 'failed' | 'throttled' | 'in_doubt'

export interface DeliverDeps {
  store: Store
  messenger: Messenger
  directory: Directory
  clock: Clock
  log: Logger
  /** text for the internal group when a send finally fails (from wording) */
  failureNotice: (info: { caseId: number | null; group: string; attempts: number; reason: string }) => string
  /** true when the puppet refused because we send too often ("操作过于频繁", WorkPro 20001, …) */
  isThrottled?: (reason: string) => boolean
  /** how long to keep retrying the write-back of a send WeCom already took (default 10 min) */
  recordRetryMs?: number
  /**
   * How long to wait for the puppet's answer (default 30 s). Sends go out one at a time, so a call
   * that is never answered would hold back every later send; past this the send is left
   * `sending` for settleInDoubtSends and the next one goes.
   */
  answerWithinMs?: number
  /** the WeCom account this process sends as: never into a group it is not declared in */
  account?: string
}

/**
 * Delivers one queued send, at most once. The row is claimed under a row lock and must still be
 * queued; a row left `sending` (a crash, or a write-back that never landed) is never resent here
 * but settled by settleInDoubtSends. The result is written back with a delivery event; a send
 * that finally fails is reported once to the team; a "too frequent" refusal puts the send back
 * without using up an attempt.
 */
export async function deliverSend(deps: DeliverDeps, sendId: number, attempt: { final: boolean }): Promise<DeliveryOutcome> {
  const row = await deps.store.claimSend(sendId)
  if (!row) return 'already_done'
  const log = deps.log.child({ sendId, kind: row.kind, group: row.groupKey })
  let target: SendTarget | null = null
  if (row.groupKey) {
    const roomId = deps.directory.roomIdOf(row.groupKey)
    target = roomId ? { roomId } : null
  } else if (row.contactId) target = { contactId: row.contactId }
  let wecomMessageId: string | null
  try {
    if (!target) throw new Error(`no room known for group ${row.groupKey ?? '-'}`)
    if (deps.account !== undefined && row.groupKey && !deps.directory.accountsIn(row.groupKey).includes(deps.account)) throw new Error(`account ${deps.account} is not in group ${row.groupKey}`)
    const sending = deps.messenger.sendText(target, row.text)
    const answer = await withinMs(sending, deps.answerWithinMs ?? 30_000)
    if (answer === 'no_answer') {
      log.warn({ afterMs: deps.answerWithinMs ?? 30_000 }, 'WeCom has not answered the send; left in doubt, going on with the next')
      void sending.then(
        (late) => recordLateAnswer(deps, row, late.wecomMessageId, log),
        (err: Error) => log.warn({ reason: err.message }, 'WeCom refused the send after the wait; left to be settled as in doubt'),
      )
      return 'in_doubt'
    }
    ;({ wecomMessageId } = answer)
  } catch (err) {
    const reason = (err as Error).message
    // nothing reached WeCom: these write-backs are retried too, or the row would be left `sending`
    const write = (fn: (tx: Tx) => Promise<void>): Promise<void> =>
      retrying(
        () => deps.store.transaction(fn),
        deps.recordRetryMs ?? 600_000,
        (e) => log.warn({ err: { message: e.message } }, 'send result not recorded yet; retrying'),
      )
    if (deps.isThrottled?.(reason)) {
      await write((tx) => tx.releaseSend(row.id, reason))
      log.warn({ reason }, 'send refused as too frequent; slowing down')
      return 'throttled'
    }
    if (!attempt.final) {
      await write((tx) => tx.finishSend(row.id, { status: 'queued', wecomMessageId: null, error: reason, at: deps.clock.now() }))
      log.warn({ reason, attempts: row.attempts }, 'send failed; will retry')
      return 'retry'
    }
    await write((tx) => finishDelivery(tx, deps, row, { status: 'failed', wecomMessageId: null, error: reason }))
    log.error({ reason, attempts: row.attempts }, 'send failed for good')
    return 'failed'
  }
  // WeCom has it: the write-back must land, or the row stays `sending` and is settled later
  await retrying(
    () => recordSent(deps, row, wecomMessageId),
    deps.recordRetryMs ?? 600_000,
    (err) => log.warn({ err: { message: err.message } }, 'send delivered but not recorded yet; retrying the write-back'),
  )
  log.info({ wecomMessageId }, 'sent')
  return 'sent'
}

/**
 * A delivered send's result and delivery event: in one statement when the case's chain is still
 * where the claim found it (the usual case), else in a transaction like any other result.
 */
async function recordSent(deps: DeliverDeps, row: ClaimedSend, wecomMessageId: string | null): Promise<void> {
  const r = { status: 'sent', wecomMessageId, error: null } as const
  if (deps.store.finishSendAlone && row.caseHead !== undefined) {
    const at = deps.clock.now()
    const event = row.caseId === null ? null : { caseId: row.caseId, head: row.caseHead, evidence: deliveryEvidence(row, r, at) }
    if (await deps.store.finishSendAlone(row.id, { ...r, at }, event)) return
  }
  await deps.store.transaction((tx) => finishDelivery(tx, deps, row, r))
}

/** What a case's trail says of one delivery attempt's result. */
function deliveryEvidence(row: SendRecord, r: { status: 'sent' | 'failed' | 'unknown'; wecomMessageId: string | null; error: string | null }, at: Date): NewEvidence {
  return {
    kind: 'delivery',
    actor: 'baton',
    at,
    payload: {
      sendId: row.id,
      sendKind: row.kind,
      draftId: row.draftId,
      group: row.groupKey,
      status: r.status,
      wecomMessageId: r.wecomMessageId,
      attempts: row.attempts,
      ...(r.error ? { reason: r.error } : {}),
    },
  }
}

/** Writes a send's final result, its delivery evidence and (for a failure) the team's notice. */
export async function finishDelivery(
  tx: Tx,
  deps: Pick<DeliverDeps, 'clock' | 'directory' | 'failureNotice'>,
  row: SendRecord,
  r: { status: 'sent' | 'failed' | 'unknown'; wecomMessageId: string | null; error: string | null },
  notice?: string,
): Promise<void> {
  const now = deps.clock.now()
  await tx.finishSend(row.id, { ...r, at: now }, row.caseId !== null ? { lockCase: row.caseId } : undefined)
  if (row.caseId !== null) await tx.appendEvidence(row.caseId, deliveryEvidence(row, r, now))
  // a failed notice is not reported by another notice: no loops
  const internal = deps.directory.internalGroups()[0]
  if (r.status !== 'sent' && row.kind !== 'notice' && internal) {
    const group = row.groupKey ? (deps.directory.group(row.groupKey)?.topic ?? row.groupKey) : (row.contactId ?? '-')
    const text = notice ?? deps.failureNotice({ caseId: row.caseId, group, attempts: row.attempts, reason: r.error ?? '' })
    await tx.insertSend({ kind: 'notice', caseId: row.caseId, groupKey: internal.key, text }, now)
  }
}

/**
 * WeCom took a send after deliverSend stopped waiting: recorded as `sent` while the row is still
 * in doubt, even once reported as unknown (the confirmation is the truer record). A late refusal
 * is not trusted to mean "not delivered" and is left to settleInDoubtSends.
 */
async function recordLateAnswer(deps: DeliverDeps, row: SendRecord, wecomMessageId: string | null, log: Logger): Promise<void> {
  try {
    await retrying(
      () =>
        deps.store.transaction(async (tx) => {
          const status = await tx.sendStatus(row.id)
          if (status === 'sending' || status === 'unknown') await finishDelivery(tx, deps, row, { status: 'sent', wecomMessageId, error: null })
        }),
      deps.recordRetryMs ?? 600_000,
      (err) => log.warn({ err: { message: err.message } }, 'late send answer not recorded yet; retrying'),
    )
    log.info({ wecomMessageId }, 'sent (answered late)')
  } catch (err) {
    log.error({ err: { message: (err as Error).message } }, 'late send answer could not be recorded')
  }
}

/** The puppet's answer, or 'no_answer' once `ms` have passed (the call itself goes on). */
async function withinMs<T>(p: Promise<T>, ms: number): Promise<T | 'no_answer'> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'no_answer'>((resolve) => (timer = setTimeout(() => resolve('no_answer'), ms)))
  try {
    return await Promise.race([p, late])
  } finally {
    clearTimeout(timer)
  }
}

async function retrying(fn: () => Promise<void>, forMs: number, onError: (err: Error) => void): Promise<void> {
  const deadline = Date.now() + forMs
  for (let wait = 200; ; wait = Math.min(wait * 2, 10_000)) {
    try {
      return await fn()
    } catch (err) {
      if (Date.now() + wait > deadline) throw err
      onError(err as Error)
      await new Promise((r) => setTimeout(r, wait))
    }
  }
}
