import type { Directory } from './directory.js'
import { finishDelivery } from './deliver-send.js'
import type { Clock, Logger } from './ports.js'
import type { Store } from './store.js'

export interface SettleDeps {
  store: Store
  directory: Directory
  clock: Clock
  log: Logger
  failureNotice: (info: { caseId: number | null; group: string; attempts: number; reason: string }) => string
  /** the team's notice for a send that may or may not have reached WeCom (from wording) */
  unknownNotice: (info: { sendId: number; caseId: number | null; group: string }) => string
  /** a team notice in doubt, said again and marked as possibly repeated (from wording) */
  resentNotice: (text: string) => string
}

/**
 * Settles sends left `sending` longer than `olderThanMs` (the process died between claiming and
 * recording the result, or WeCom never answered). The puppet gives no idempotency key, so a
 * resend could say it twice: instead, when our own message's echo was recorded in that
 * conversation since the claim, the send is `sent`; otherwise it becomes `unknown` and the team
 * is asked to check, once. A notice to the team itself has nobody to ask: a lost one (a draft to
 * review, an escalation) would leave a customer waiting, while a repeated one costs a glance, so
 * it is said once more, marked as possibly repeated; a resend in doubt is not repeated again.
 */
export async function settleInDoubtSends(deps: SettleDeps, olderThanMs: number): Promise<{ sent: number; unknown: number; resent: number }> {
  const now = deps.clock.now()
  return deps.store.transaction(async (tx) => {
    const rows = await tx.lockInDoubtSends(new Date(now.getTime() - olderThanMs), 100)
    let sent = 0
    let unknown = 0
    let resent = 0
    for (const row of rows) {
      const claimed = row.claimedAt ?? new Date(0)
      // WeCom stamps in whole seconds
      const echo = await tx.findOutboundEcho({ sendId: row.id, groupKey: row.groupKey, text: row.text, saidAfter: new Date(claimed.getTime() - 2000) })
      if (echo) {
        await finishDelivery(tx, deps, row, { status: 'sent', wecomMessageId: echo, error: null })
        sent++
        continue
      }
      if (row.kind === 'notice' && row.resendOf === null) {
        await finishDelivery(tx, deps, row, { status: 'unknown', wecomMessageId: null, error: 'interrupted while sending; said again' })
        await tx.insertSend({ kind: 'notice', caseId: row.caseId, groupKey: row.groupKey, contactId: row.contactId, text: deps.resentNotice(row.text), resendOf: row.id }, now)
        resent++
        continue
      }
      const group = row.groupKey ? (deps.directory.group(row.groupKey)?.topic ?? row.groupKey) : (row.contactId ?? '-')
      await finishDelivery(
        tx,
        deps,
        row,
        { status: 'unknown', wecomMessageId: null, error: 'interrupted while sending; delivery not confirmed' },
        deps.unknownNotice({ sendId: row.id, caseId: row.caseId, group }),
      )
      unknown++
    }
    if (rows.length > 0) deps.log.warn({ sent, unknown, resent }, 'settled sends interrupted mid-delivery')
    return { sent, unknown, resent }
  })
}
