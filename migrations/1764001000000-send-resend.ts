import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * A team notice left in doubt (a crash or an unanswered call mid-send) is sent once more, marked
 * as possibly repeated (settle-in-doubt-sends.ts). `resend_of` names the notice it repeats; the
 * unique index keeps that to one resend per notice however often settling runs.
 */
export class SendResend1764001000000 implements MigrationInterface {
  name = 'SendResend1764001000000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sends ADD COLUMN resend_of bigint REFERENCES sends (id)`)
    await q.query(`CREATE UNIQUE INDEX sends_resend_of_key ON sends (resend_of) WHERE resend_of IS NOT NULL`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX sends_resend_of_key`)
    await q.query(`ALTER TABLE sends DROP COLUMN resend_of`)
  }
}
