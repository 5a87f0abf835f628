import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * Issue 15: cases_next_timer_idx served the PostgreSQL due sweeper ("what else is due?", most
 * overdue first), which is gone since BullMQ fires every timer (8120909). Nothing in src asks for
 * open cases in due order any more; the reconciler walks cases by id on cases_timer_sync_idx. An
 * unused index is only a cost on every case write.
 */
export class DropUnusedTimerIndex1764001700000 implements MigrationInterface {
  name = 'DropUnusedTimerIndex1764001700000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS cases_next_timer_idx`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX cases_next_timer_idx ON cases (next_timer_at) WHERE next_timer_at IS NOT NULL AND closed_at IS NULL`)
  }
}
