import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * Issue 5: PostgreSQL holds every timer (next_timer_at); Redis only holds the delayed job, which
 * the reconciler can always rebuild. The SLA clock keeps time waiting on the customer or partner
 * apart from time waiting on the team.
 */
export class Timers1764000200000 implements MigrationInterface {
  name = 'Timers1764000200000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases ADD COLUMN next_timer_at timestamptz`)
    await q.query(`ALTER TABLE cases ADD COLUMN waiting_external_ms bigint NOT NULL DEFAULT 0`)
    await q.query(`ALTER TABLE cases ADD COLUMN waiting_team_ms bigint NOT NULL DEFAULT 0`)
    // the BullMQ job currently standing for next_timer_at, so a moved case's old job is removed
    await q.query(`ALTER TABLE cases ADD COLUMN timer_job_id text`)
    await q.query(`CREATE INDEX cases_timer_sync_idx ON cases (id) WHERE next_timer_at IS NOT NULL OR timer_job_id IS NOT NULL`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX cases_timer_sync_idx`)
    await q.query(`ALTER TABLE cases DROP COLUMN next_timer_at, DROP COLUMN waiting_external_ms, DROP COLUMN waiting_team_ms, DROP COLUMN timer_job_id`)
  }
}
