import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * Churn early warning (issue 20): intervention tasks opened by the nightly score, at most one
 * open per contact (a partial unique index: a retried or doubled sweep cannot open a second),
 * closed by a person with an outcome; and their append-only audit (who opened or closed what,
 * when, why). Each table has one TypeORM definition in src/adapters/db/churn-entities.ts.
 */
export class Churn1764002000000 implements MigrationInterface {
  name = 'Churn1764002000000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE churn_tasks (
        id bigserial PRIMARY KEY,
        contact_id bigint NOT NULL REFERENCES contacts(id),
        owner_id text,
        score integer NOT NULL,
        reasons jsonb NOT NULL,
        opened_at timestamptz NOT NULL,
        notice_send_id bigint REFERENCES sends(id),
        closed_at timestamptz,
        closed_by text,
        outcome text CHECK (outcome IN ('retained','lost','no_risk')),
        close_note text,
        CHECK ((closed_at IS NULL) = (outcome IS NULL) AND (closed_at IS NULL) = (closed_by IS NULL))
      )`)
    await q.query(`CREATE UNIQUE INDEX churn_tasks_open_uniq ON churn_tasks (contact_id) WHERE closed_at IS NULL`)
    // the cooldown reads a contact's last closed task; funnels read tasks by week
    await q.query(`CREATE INDEX churn_tasks_contact_idx ON churn_tasks (contact_id, closed_at)`)
    await q.query(`CREATE INDEX churn_tasks_opened_idx ON churn_tasks (opened_at)`)
    await q.query(`
      CREATE TABLE churn_task_events (
        id bigserial PRIMARY KEY,
        task_id bigint NOT NULL REFERENCES churn_tasks(id),
        kind text NOT NULL CHECK (kind IN ('opened','closed')),
        actor text NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}'::jsonb,
        at timestamptz NOT NULL
      )`)
    await q.query(`CREATE INDEX churn_task_events_task_idx ON churn_task_events (task_id, id)`)
    // the nightly score counts each contact's complaints and negative wording on attention items
    await q.query(`CREATE INDEX attention_items_talker_idx ON attention_items (talker_id, created_at)`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX attention_items_talker_idx`)
    await q.query(`DROP TABLE churn_task_events`)
    await q.query(`DROP TABLE churn_tasks`)
  }
}
