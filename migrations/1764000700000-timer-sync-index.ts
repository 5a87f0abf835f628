import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * Issue 7 (benchmarks): the reconciler's "changed" pass runs after every commit that touches a
 * timer. It read every case with a timer (100,000 waiting cases: the whole table) to find the
 * few whose BullMQ job is out of date. This partial index holds only those rows, so the pass
 * costs what changed. The predicate is the pass's WHERE clause, word for word (casts to text
 * keep it immutable, as an index predicate must be).
 */
export const TIMER_UNSYNCED = `(next_timer_at IS NOT NULL AND closed_at IS NULL
      AND timer_job_id IS DISTINCT FROM ('timer-' || id::text || '-' || state_version::text || '-' || reminder_count::text))
   OR ((next_timer_at IS NULL OR closed_at IS NOT NULL) AND timer_job_id IS NOT NULL)`

export class TimerSyncIndex1764000700000 implements MigrationInterface {
  name = 'TimerSyncIndex1764000700000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX cases_timer_unsynced_idx ON cases (id) WHERE ${TIMER_UNSYNCED}`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX cases_timer_unsynced_idx`)
  }
}
