import type { MigrationInterface, QueryRunner } from 'typeorm'

/** `/auto` switches (append-only: who switched which category when) and `/recall` on sends. */
export class AutomationRecall1764000300000 implements MigrationInterface {
  name = 'AutomationRecall1764000300000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE automation_switches (
        id bigserial PRIMARY KEY,
        category text NOT NULL,
        enabled boolean NOT NULL,
        switched_by text NOT NULL,
        at timestamptz NOT NULL
      )`)
    await q.query(`CREATE INDEX automation_switches_category_idx ON automation_switches (category, id DESC)`)
    await q.query(`ALTER TABLE sends ADD COLUMN recalled_at timestamptz`)
    await q.query(`ALTER TABLE sends ADD COLUMN recall_result text`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sends DROP COLUMN recalled_at, DROP COLUMN recall_result`)
    await q.query(`DROP TABLE automation_switches`)
  }
}
