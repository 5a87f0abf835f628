import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * Issue 7 (benchmarks): a timer batch also fires the other timers already due in PostgreSQL, most
 * overdue first (fire-timers.ts, sweepDue). This partial index holds only open cases with a
 * timer, in due order, so asking "what else is due?" costs the rows it returns.
 */
export class DueTimerIndex1764000900000 implements MigrationInterface {
  name = 'DueTimerIndex1764000900000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX cases_next_timer_idx ON cases (next_timer_at) WHERE next_timer_at IS NOT NULL AND closed_at IS NULL`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX cases_next_timer_idx`)
  }
}
