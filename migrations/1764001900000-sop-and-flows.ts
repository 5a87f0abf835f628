import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * Growth, SOP calendar and lifecycle flows (issue 20). Every scheduled SOP occurrence is a row,
 * unique per item, group and due time, so a tick run twice or side by side posts it once. A flow
 * run keeps the definition of the version it started with; each step is a row unique per run and
 * index, claimed before it acts, so a retried job never repeats a step. One TypeORM definition of
 * each table lives in src/adapters/db/sop-flow-entities.ts.
 */
export class SopAndFlows1764001900000 implements MigrationInterface {
  name = 'SopAndFlows1764001900000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sop_occurrences (
        id bigserial PRIMARY KEY,
        item_key text NOT NULL,
        group_type text NOT NULL,
        group_key text NOT NULL,
        due_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('pending','sent','awaiting_review','missed','failed')),
        send_id bigint REFERENCES sends(id),
        draft_id bigint REFERENCES drafts(id),
        sent_at timestamptz,
        on_time boolean,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (item_key, group_key, due_at)
      )`)
    await q.query(`CREATE INDEX sop_occurrences_pending_idx ON sop_occurrences (due_at) WHERE status = 'pending'`)
    // each tick follows what waits for review, and the posts of the last two days to their delivery
    await q.query(`CREATE INDEX sop_occurrences_review_idx ON sop_occurrences (draft_id) WHERE status = 'awaiting_review'`)
    await q.query(`CREATE INDEX sop_occurrences_sent_idx ON sop_occurrences (sent_at) WHERE status = 'sent'`)
    await q.query(`
      CREATE TABLE flow_runs (
        id bigserial PRIMARY KEY,
        contact_id bigint NOT NULL REFERENCES contacts(id),
        flow_key text NOT NULL,
        flow_version text NOT NULL,
        definition jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('running','completed','exited')),
        current_step integer NOT NULL DEFAULT 0,
        trigger_event_id bigint NOT NULL REFERENCES contact_events(id),
        exit_reason text,
        started_at timestamptz NOT NULL,
        ended_at timestamptz,
        UNIQUE (flow_key, trigger_event_id)
      )`)
    // one running copy of a flow per contact: a second trigger while it runs starts nothing
    await q.query(`CREATE UNIQUE INDEX flow_runs_one_running_uniq ON flow_runs (contact_id, flow_key) WHERE status = 'running'`)
    await q.query(`
      CREATE TABLE flow_steps (
        id bigserial PRIMARY KEY,
        run_id bigint NOT NULL REFERENCES flow_runs(id),
        step_index integer NOT NULL,
        due_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('pending','done','skipped','cancelled')),
        outcome jsonb NOT NULL DEFAULT '{}'::jsonb,
        done_at timestamptz,
        UNIQUE (run_id, step_index)
      )`)
    await q.query(`CREATE INDEX flow_steps_pending_idx ON flow_steps (due_at) WHERE status = 'pending'`)
    // how far the flows have read the contact event log (one row per reader)
    await q.query(`CREATE TABLE growth_cursors (name text PRIMARY KEY, last_id bigint NOT NULL)`)
    await q.query(`ALTER TABLE sends DROP CONSTRAINT sends_kind_check`)
    await q.query(`ALTER TABLE sends ADD CONSTRAINT sends_kind_check CHECK (kind IN ('draft','notice','reply','reminder','writeback','escalation','welcome','sop','flow'))`)
    await q.query(`ALTER TABLE contact_tags DROP CONSTRAINT contact_tags_source_check`)
    await q.query(`ALTER TABLE contact_tags ADD CONSTRAINT contact_tags_source_check CHECK (source IN ('manual','rule','case','flow'))`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contact_tags DROP CONSTRAINT contact_tags_source_check`)
    await q.query(`ALTER TABLE contact_tags ADD CONSTRAINT contact_tags_source_check CHECK (source IN ('manual','rule','case'))`)
    await q.query(`ALTER TABLE sends DROP CONSTRAINT sends_kind_check`)
    await q.query(`ALTER TABLE sends ADD CONSTRAINT sends_kind_check CHECK (kind IN ('draft','notice','reply','reminder','writeback','escalation','welcome'))`)
    await q.query(`DROP TABLE growth_cursors`)
    await q.query(`DROP TABLE flow_steps`)
    await q.query(`DROP TABLE flow_runs`)
    await q.query(`DROP TABLE sop_occurrences`)
  }
}
