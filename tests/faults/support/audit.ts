import type pg from 'pg'
import { sqlEvidenceReader } from '../../../src/adapters/db/evidence-store.js'
import type { Queryable } from '../../../src/adapters/db/sql.js'
import { verifyEvidence } from '../../../src/app/verify-evidence.js'
import type { DeliveredLine, SaidMessage } from './gateway-control.js'

/** What one fault did to the traffic around it: the row of the printed table. */
export interface FaultRow {
  fault: string
  messagesSent: number
  stored: number
  duplicates: number
  lost: number
  sendsExpected: number
  sendsDelivered: number
  sendsDuplicated: number
  sendsFailed: number
  /** sends cut off mid-delivery, not delivered, marked `unknown`, and the team told (or the team notice said again) */
  sendsInDoubtReported: number
  /** how many such sends the fault may honestly leave (a kill -9 while one send is on its way) */
  inDoubtAllowed: number
  approvedDrafts: number
  approvedDelivered: number
  /** approved drafts whose send is among the in-doubt sends above */
  approvedInDoubt: number
  remindersFired: number
  remindersDuplicated: number
  overdueTimers: number
  evidenceChecked: number
  evidenceBroken: number
  recovered: boolean
  notes: string[]
}

interface SendRow {
  id: string
  resend_of: string | null
  kind: string
  draft_id: string | null
  target: string
  text: string
  status: string
  created_at: Date
  in_flight: boolean
}

/**
 * Reads the suite's own database and the gateway's ledger to count what was stored, sent and
 * fired. Sends are matched to deliveries by conversation and text, in order: a delivery with no
 * send row left to match is a duplicate.
 */
export class Auditor {
  constructor(
    private readonly db: pg.Pool,
    /** group key → room id, from the tenant file */
    private readonly roomOf: (groupKey: string) => string,
    /** the BullMQ state of a timer job (for the notes on a timer that never fired) */
    private readonly timerJobState: (jobId: string) => Promise<string> = async () => 'not looked up',
  ) {}

  /** Why each overdue timer is overdue, as far as PostgreSQL and Redis can tell. */
  private async overdueNotes(): Promise<string[]> {
    const rows = (
      await this.db.query<{ id: string; state: string; state_version: number; reminder_count: number; next_timer_at: Date; timer_job_id: string | null }>(
        `SELECT id, state, state_version, reminder_count, next_timer_at, timer_job_id FROM cases
          WHERE closed_at IS NULL AND next_timer_at < now() - interval '20 seconds' ORDER BY id`,
      )
    ).rows
    return Promise.all(
      rows.map(async (r) => {
        const want = `timer-${r.id}-${r.state_version}-${r.reminder_count}`
        const state = await this.timerJobState(want).catch((err: Error) => `lookup failed: ${err.message}`)
        const late = ((Date.now() - r.next_timer_at.getTime()) / 1000).toFixed(0)
        return `overdue timer of case ${r.id} (${r.state}): due ${r.next_timer_at.toISOString()} (${late} s ago), job ${want} ${state}, recorded job ${r.timer_job_id ?? 'none'}`
      }),
    )
  }

  async storedCounts(said: readonly SaidMessage[]): Promise<Map<string, number>> {
    const rows = (await this.db.query<{ text: string; n: number }>(`SELECT text, count(*)::int AS n FROM messages WHERE direction = 'inbound' AND text = ANY($1) GROUP BY text`, [said.map((m) => m.text)])).rows
    return new Map(rows.map((r) => [r.text, r.n]))
  }

  /** Everything said is stored, no send is waiting, no timer is overdue. */
  async settled(said: readonly SaidMessage[]): Promise<boolean> {
    const stored = await this.storedCounts(said)
    if (said.some((m) => !stored.has(m.text))) return false
    const [r] = (
      await this.db.query<{ pending: number; overdue: number }>(
        `SELECT (SELECT count(*)::int FROM sends WHERE status IN ('queued','sending')) AS pending,
                (SELECT count(*)::int FROM cases WHERE closed_at IS NULL AND next_timer_at < now() - interval '20 seconds') AS overdue`,
      )
    ).rows
    return r!.pending === 0 && r!.overdue === 0
  }

  async row(fault: string, window: { from: number; to: number }, said: readonly SaidMessage[], ledger: readonly DeliveredLine[]): Promise<FaultRow> {
    const stored = await this.storedCounts(said)
    const messagesSent = said.length
    const storedOnce = said.filter((m) => stored.has(m.text)).length
    const duplicates = said.reduce((n, m) => n + Math.max(0, (stored.get(m.text) ?? 0) - 1), 0)

    const sends = (
      await this.db.query<Omit<SendRow, 'target'> & { group_key: string | null; contact_id: string | null }>(
        `SELECT id, resend_of, kind, draft_id, group_key, contact_id, text, status, created_at,
                (status IN ('queued','sending') AND created_at > now() - interval '15 seconds') AS in_flight
         FROM sends ORDER BY id`,
      )
    ).rows.map((r) => ({ ...r, target: r.group_key ? this.roomOf(r.group_key) : (r.contact_id ?? '') }))
    const { delivered, extra } = matchDeliveries(sends, ledger)
    const inWindow = (t: number) => t >= window.from && t < window.to
    const windowSends = sends.filter((s) => inWindow(s.created_at.getTime()) && !s.in_flight)
    const sendsDelivered = windowSends.filter((s) => delivered.has(s.id)).length
    const sendsDuplicated = extra.filter((l) => inWindow(l.at)).length
    const sendsFailed = windowSends.filter((s) => s.status === 'failed').length
    // Baton sends at most once: a send cut off between its claim and WeCom's answer, with no echo
    // of it afterwards, is marked `unknown` and the team is asked to check instead of resending
    // (a team notice is said once more instead). It counts as accounted for only when that notice
    // (it names the send as #id), or the resend, was delivered.
    const noticesDelivered = sends.filter((s) => s.kind === 'notice' && delivered.has(s.id))
    const resentDelivered = new Set(noticesDelivered.flatMap((n) => (n.resend_of ? [n.resend_of] : [])))
    const reported = (s: SendRow) => resentDelivered.has(s.id) || noticesDelivered.some((n) => new RegExp(`#${s.id}(?!\\d)`).test(n.text))
    const inDoubt = new Set(sends.filter((s) => s.status === 'unknown' && !delivered.has(s.id) && reported(s)).map((s) => s.id))
    const sendsInDoubtReported = windowSends.filter((s) => inDoubt.has(s.id)).length

    const drafts = (
      await this.db.query<{ id: string }>(`SELECT id FROM drafts WHERE status IN ('approved','edited') AND decided_at >= $1 AND decided_at < $2`, [new Date(window.from), new Date(window.to)])
    ).rows.map((r) => r.id)
    const draftSends = new Map(sends.filter((s) => s.kind === 'draft' && s.draft_id).map((s) => [s.draft_id!, s]))
    const approvedDelivered = drafts.filter((id) => {
      const s = draftSends.get(id)
      return s !== undefined && delivered.has(s.id)
    }).length
    const approvedInDoubt = drafts.filter((id) => inDoubt.has(draftSends.get(id)?.id ?? '')).length

    const timers = (
      await this.db.query<{ fired: number; duplicated: number }>(
        `WITH f AS (
           SELECT case_id, payload->>'attempt' AS attempt, payload->>'dueAt' AS due, count(*) AS n, max(at) AS last
           FROM case_events WHERE kind = 'timer_fired' GROUP BY 1, 2, 3)
         SELECT (SELECT count(*)::int FROM case_events WHERE kind = 'timer_fired' AND at >= $1 AND at < $2) AS fired,
                COALESCE((SELECT sum(n - 1)::int FROM f WHERE n > 1 AND last >= $1 AND last < $2), 0) AS duplicated`,
        [new Date(window.from), new Date(window.to)],
      )
    ).rows[0]!
    const [overdue] = (await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases WHERE closed_at IS NULL AND next_timer_at < now() - interval '20 seconds'`)).rows

    const rowsOf: Queryable = { query: async (sql: string, params?: unknown[]) => (await this.db.query(sql, params)).rows } as unknown as Queryable
    const evidence = await verifyEvidence(sqlEvidenceReader(rowsOf))

    return {
      fault,
      messagesSent,
      stored: storedOnce,
      duplicates,
      lost: messagesSent - storedOnce,
      sendsExpected: windowSends.length,
      sendsDelivered,
      sendsDuplicated,
      sendsFailed,
      sendsInDoubtReported,
      inDoubtAllowed: 0,
      approvedDrafts: drafts.length,
      approvedDelivered,
      approvedInDoubt,
      remindersFired: timers.fired,
      remindersDuplicated: timers.duplicated,
      overdueTimers: overdue!.n,
      evidenceChecked: evidence.checked,
      evidenceBroken: evidence.broken.length,
      recovered: true,
      notes: [...evidence.broken.map((b) => `evidence of case ${b.caseId} broken at seq ${b.seq}: ${b.reason}`), ...(overdue!.n > 0 ? await this.overdueNotes() : [])],
    }
  }
}

/**
 * Pairs send rows with deliveries of the same text to the same conversation, in order. Sends
 * recorded as `sent` take their deliveries first: a template reply said several times would
 * otherwise hand a send WeCom never got (left `unknown`) the delivery of a later one.
 */
function matchDeliveries(sends: readonly SendRow[], ledger: readonly DeliveredLine[]): { delivered: Set<string>; extra: DeliveredLine[] } {
  const byKey = new Map<string, DeliveredLine[]>()
  for (const l of [...ledger].sort((a, b) => a.at - b.at)) {
    const k = `${l.conversationId}\u0000${l.text}`
    byKey.set(k, [...(byKey.get(k) ?? []), l])
  }
  const delivered = new Set<string>()
  for (const s of [...sends.filter((x) => x.status === 'sent'), ...sends.filter((x) => x.status !== 'sent')]) {
    const lines = byKey.get(`${s.target}\u0000${s.text}`)
    if (lines && lines.length > 0) {
      lines.shift()
      delivered.add(s.id)
    }
  }
  return { delivered, extra: [...byKey.values()].flat() }
}
