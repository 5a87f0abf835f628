import type { Queryable } from './sql.js'

/** The few reads the process's wiring needs: the outbound worker's pacing key and the live gauges. */
export function sqlRuntimeQueries(db: Queryable) {
  return {
    /** the group a send goes to (its per-group pacing key); null for a direct message or an unknown id */
    async groupOfSend(sendId: number): Promise<string | null> {
      const rows: { group_key: string | null }[] = await db.query(`SELECT group_key FROM sends WHERE id = $1`, [sendId])
      return rows[0]?.group_key ?? null
    },
    /** sends by status: every one not yet sent, and those sent in the last day */
    async sendsByStatus(): Promise<Record<string, number>> {
      const rows: { status: string; n: number }[] = await db.query(`SELECT status, count(*)::int AS n FROM sends WHERE status <> 'sent' OR sent_at > now() - interval '1 day' GROUP BY status`)
      return Object.fromEntries(rows.map((r) => [r.status, r.n]))
    },
    /** open cases by state */
    async waitingByState(): Promise<Record<string, number>> {
      const rows: { state: string; n: number }[] = await db.query(`SELECT state, count(*)::int AS n FROM cases WHERE closed_at IS NULL GROUP BY state`)
      return Object.fromEntries(rows.map((r) => [r.state, r.n]))
    },
    /** how long the oldest send still queued (or being sent) has waited, in seconds */
    async oldestQueuedSendAgeSeconds(): Promise<number> {
      const rows: { age: string }[] = await db.query(`SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) AS age FROM sends WHERE status IN ('queued','sending')`)
      return Number(rows[0]?.age ?? 0)
    },
    /** one round trip: the health check's proof that PostgreSQL answers */
    async ping(): Promise<void> {
      await db.query('SELECT 1')
    },
  }
}
