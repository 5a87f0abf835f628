import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * Staying up: a send claimed for delivery remembers when (so a crash mid-send is found and
 * checked instead of resent) and may end `unknown`. (Replay detection uses the existing
 * talker/said_at index.)
 */
export class Resilience1764000600000 implements MigrationInterface {
  name = 'Resilience1764000600000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sends ADD COLUMN claimed_at timestamptz`)
    await q.query(`ALTER TABLE sends DROP CONSTRAINT sends_status_check`)
    await q.query(`ALTER TABLE sends ADD CONSTRAINT sends_status_check CHECK (status IN ('queued','sending','sent','failed','unknown'))`)
    await q.query(`CREATE INDEX sends_in_doubt_idx ON sends (claimed_at) WHERE status = 'sending'`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX sends_in_doubt_idx`)
    await q.query(`UPDATE sends SET status = 'failed' WHERE status = 'unknown'`)
    await q.query(`ALTER TABLE sends DROP CONSTRAINT sends_status_check`)
    await q.query(`ALTER TABLE sends ADD CONSTRAINT sends_status_check CHECK (status IN ('queued','sending','sent','failed'))`)
    await q.query(`ALTER TABLE sends DROP COLUMN claimed_at`)
  }
}
