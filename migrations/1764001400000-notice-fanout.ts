import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * Fan-out limits on the team's notices (src/app/team-notices.ts). A notice about a message
 * remembers whom it is about (`about_group`, `about_talker`), so a chatty sender or group is
 * counted; notices over the limit are folded into one summary notice per sender or group
 * (`summary_key`), whose text is brought up to date while it is still queued.
 */
export class NoticeFanout1764001400000 implements MigrationInterface {
  name = 'NoticeFanout1764001400000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sends ADD COLUMN about_group text, ADD COLUMN about_talker text, ADD COLUMN summary_key text`)
    await q.query(`CREATE INDEX sends_about_talker_idx ON sends (about_talker, created_at) WHERE about_talker IS NOT NULL`)
    await q.query(`CREATE INDEX sends_about_group_idx ON sends (about_group, created_at) WHERE about_group IS NOT NULL`)
    await q.query(`CREATE INDEX sends_summary_key_idx ON sends (summary_key, created_at) WHERE summary_key IS NOT NULL`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX sends_summary_key_idx`)
    await q.query(`DROP INDEX sends_about_group_idx`)
    await q.query(`DROP INDEX sends_about_talker_idx`)
    await q.query(`ALTER TABLE sends DROP COLUMN summary_key, DROP COLUMN about_talker, DROP COLUMN about_group`)
  }
}
