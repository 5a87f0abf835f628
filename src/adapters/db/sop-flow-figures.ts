import type { FlowWeekRow, SopWeekRow } from '../../app/growth/churn-ports.js'
import { flowCompletionRate, sopOnTimeRate } from '../../domain/growth/growth-rates.js'
import type { Queryable } from './sql.js'

/** ISO week of a time stamp, as the funnel names it (e.g. 2026-W49; UTC, like churn-store.ts) */
const week = (col: string) => `to_char(date_trunc('week', ${col} AT TIME ZONE 'UTC'), 'IYYY-"W"IW')`

/** SOP occurrences per ISO week of their due time and group type: how many went out, on time or not. */
export async function sopWeeks(q: Queryable, range: { from: Date; to: Date }): Promise<SopWeekRow[]> {
  const rows: Array<{ week: string; group_type: string; due: number; sent: number; on_time: number; missed: number; failed: number; awaiting_review: number; pending: number }> = await q.query(
    `SELECT ${week('due_at')} AS week, group_type, count(*)::int AS due,
            count(*) FILTER (WHERE status = 'sent')::int AS sent,
            count(*) FILTER (WHERE status = 'sent' AND on_time)::int AS on_time,
            count(*) FILTER (WHERE status = 'missed')::int AS missed,
            count(*) FILTER (WHERE status = 'failed')::int AS failed,
            count(*) FILTER (WHERE status = 'awaiting_review')::int AS awaiting_review,
            count(*) FILTER (WHERE status = 'pending')::int AS pending
       FROM sop_occurrences WHERE due_at >= $1 AND due_at < $2
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [range.from, range.to],
  )
  return rows.map((r) => {
    const c = { onTime: r.on_time, sent: r.sent, missed: r.missed, failed: r.failed }
    return { week: r.week, groupType: r.group_type, due: r.due, ...c, awaitingReview: r.awaiting_review, pending: r.pending, onTimeRate: sopOnTimeRate(c) }
  })
}

/** Flow runs per ISO week of their start and flow: started, completed, exited, still running. */
export async function flowWeeks(q: Queryable, range: { from: Date; to: Date }): Promise<FlowWeekRow[]> {
  const rows: Array<{ week: string; flow_key: string; started: number; completed: number; exited: number; running: number }> = await q.query(
    `SELECT ${week('started_at')} AS week, flow_key, count(*)::int AS started,
            count(*) FILTER (WHERE status = 'completed')::int AS completed,
            count(*) FILTER (WHERE status = 'exited')::int AS exited,
            count(*) FILTER (WHERE status = 'running')::int AS running
       FROM flow_runs WHERE started_at >= $1 AND started_at < $2
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [range.from, range.to],
  )
  return rows.map((r) => ({ week: r.week, flowKey: r.flow_key, started: r.started, completed: r.completed, exited: r.exited, running: r.running, completionRate: flowCompletionRate(r) }))
}
