import type { NoticeAbout } from '../../app/case-record.js'
import type { Queryable } from './sql.js'

/**
 * The reads behind the team's fan-out limits (src/app/team-notices.ts), shared by the one-by-one
 * and the batch transaction. Each runs on a partial index of its own (notice-fanout migration).
 */

type SummaryRow = { id: number; queued: boolean; createdAt: Date }
const toSummary = (r: { id: string | number; status: string; created_at: string | Date } | null): SummaryRow | null =>
  r ? { id: Number(r.id), queued: r.status === 'queued', createdAt: new Date(r.created_at) } : null

/**
 * Everything the fan-out decides a notice on, in one round trip (it runs for every customer-side
 * notice, inside the decision's transaction): notices told about the sender and the group since
 * `since`, and the newest sender and group summaries.
 */
export async function fanoutStateRow(
  q: Queryable,
  about: NoticeAbout,
  since: Date,
  keys: { sender: string; group: string | null },
): Promise<{ told: { sender: number; group: number }; sender: SummaryRow | null; group: SummaryRow | null }> {
  const latest = (param: string) => `(SELECT row_to_json(s) FROM (SELECT id, status, created_at FROM sends WHERE summary_key = ${param} AND created_at >= $3 ORDER BY created_at DESC, id DESC LIMIT 1) s)`
  const rows: { sender: number; grp: number; sender_summary: never; group_summary: never }[] = await q.query(
    `SELECT (SELECT count(*)::int FROM sends WHERE about_talker = $1 AND about_group IS NOT DISTINCT FROM $2 AND created_at >= $3 AND summary_key IS NULL) AS sender,
            (SELECT count(*)::int FROM sends WHERE about_group = $2 AND created_at >= $3 AND summary_key IS NULL) AS grp,
            ${latest('$4')} AS sender_summary,
            ${latest('$5')} AS group_summary`,
    [about.talkerId, about.groupKey, since, keys.sender, keys.group],
  )
  const r = rows[0]
  return { told: { sender: r?.sender ?? 0, group: r?.grp ?? 0 }, sender: toSummary(r?.sender_summary ?? null), group: toSummary(r?.group_summary ?? null) }
}

export async function latestSummaryRow(q: Queryable, key: string, since: Date): Promise<{ id: number; queued: boolean; createdAt: Date } | null> {
  const rows: { id: string; status: string; created_at: Date }[] = await q.query(
    `SELECT id, status, created_at FROM sends WHERE summary_key = $1 AND created_at >= $2 ORDER BY created_at DESC, id DESC LIMIT 1`,
    [key, since],
  )
  const r = rows[0]
  return r ? { id: Number(r.id), queued: r.status === 'queued', createdAt: r.created_at } : null
}

/** Only a row nobody has claimed: claimSend takes the same row lock and re-checks `queued`. */
export async function updateQueuedSendText(q: Queryable, sendId: number, text: string): Promise<boolean> {
  const [, n]: [unknown, number] = await q.query(`UPDATE sends SET text = $2 WHERE id = $1 AND status = 'queued'`, [sendId, text])
  return n > 0
}

export async function inboundCounts(q: Queryable, about: NoticeAbout, since: Date): Promise<{ sender: number; group: number; people: number }> {
  const rows: { sender: number; grp: number; people: number }[] =
    about.groupKey === null
      ? await q.query(`SELECT count(*)::int AS sender, count(*)::int AS grp, 1 AS people FROM messages WHERE talker_id = $1 AND group_key IS NULL AND direction = 'inbound' AND said_at >= $2`, [
          about.talkerId,
          since,
        ])
      : await q.query(
          `SELECT count(*) FILTER (WHERE talker_id = $1)::int AS sender, count(*)::int AS grp, count(DISTINCT talker_id)::int AS people
             FROM messages WHERE group_key = $2 AND direction = 'inbound' AND said_at >= $3`,
          [about.talkerId, about.groupKey, since],
        )
  return { sender: rows[0]?.sender ?? 0, group: rows[0]?.grp ?? 0, people: rows[0]?.people ?? 0 }
}
