import type { Headline, StatsQueries } from '../../app/stats.js'
import { emptyRowFacts } from '../../domain/metrics/figures.js'
import { sqlMetricsQueries } from './metrics-queries.js'
import type { Queryable } from './sql.js'

export function sqlStatsQueries(db: Queryable): StatsQueries {
  return {
    async headline({ from, to, now }): Promise<Headline> {
      const [cases] = await db.query(
        `SELECT count(*) FILTER (WHERE state LIKE 'waiting\\_%')::int AS waiting,
                count(*) FILTER (WHERE state LIKE 'waiting\\_%' AND due_at < $1)::int AS overdue
           FROM cases WHERE closed_at IS NULL`,
        [now],
      )
      const byCategory: Array<{ category: string; status: string; n: number }> = await db.query(
        `SELECT category, status, count(*)::int AS n FROM drafts
          WHERE mode = 'review_before_send' AND decided_at >= $1 AND decided_at < $2
            AND status IN ('approved','edited','rejected','taken_over')
          GROUP BY category, status`,
        [from, to],
      )
      const [sends] = await db.query(
        `SELECT count(*) FILTER (WHERE status = 'failed' AND created_at >= $1 AND created_at < $2)::int AS failed,
                count(*) FILTER (WHERE recalled_at >= $1 AND recalled_at < $2)::int AS recalled
           FROM sends`,
        [from, to],
      )
      const [events] = await db.query(
        `SELECT count(*) FILTER (WHERE kind = 'timer_fired' AND payload->>'step' = 'remind')::int AS reminders,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY (payload->>'sinceCustomerCompletionMs')::bigint)
                  FILTER (WHERE kind = 'writeback' AND payload->>'sinceCustomerCompletionMs' IS NOT NULL) AS writeback_median
           FROM case_events WHERE at >= $1 AND at < $2`,
        [from, to],
      )
      const [delivery] = await db.query(
        `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM s.sent_at - m.said_at) * 1000) AS median
           FROM sends s JOIN drafts d ON d.id = s.draft_id JOIN messages m ON m.id = d.source_message_id
          WHERE s.kind = 'draft' AND s.status = 'sent' AND m.channel = 'partner' AND s.sent_at >= $1 AND s.sent_at < $2`,
        [from, to],
      )
      const reviewed = { approved: 0, edited: 0, rejected: 0, taken_over: 0 }
      const cats = new Map<string, { decided: number; approvedAsIs: number }>()
      for (const r of byCategory) {
        reviewed[r.status as keyof typeof reviewed] += r.n
        const c = cats.get(r.category) ?? { decided: 0, approvedAsIs: 0 }
        c.decided += r.n
        if (r.status === 'approved') c.approvedAsIs += r.n
        cats.set(r.category, c)
      }
      const period = await sqlMetricsQueries(db).periodFacts({ from, to, now, groupBy: 'none' })
      const num = (v: unknown) => (v === null || v === undefined ? null : Number(v))
      return {
        waiting: cases.waiting,
        overdue: cases.overdue,
        reviewed,
        byCategory: [...cats].map(([category, c]) => ({ category, ...c })),
        sendsFailed: sends.failed,
        recalled: sends.recalled,
        reminders: events.reminders,
        writebackMedianMs: num(events.writeback_median),
        deliveryMedianMs: num(delivery.median),
        facts: period.rows.get(null) ?? emptyRowFacts(),
      }
    },
  }
}
