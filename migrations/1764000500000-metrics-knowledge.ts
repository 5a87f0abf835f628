import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * Issue 6: a version per knowledge entry (recorded on start-up and on reload, so "knowledge
 * updates" is a fact, not a guess) and indexes for the weekly metrics.
 */
export class MetricsKnowledge1764000500000 implements MigrationInterface {
  name = 'MetricsKnowledge1764000500000'

  async up(q: QueryRunner): Promise<void> {
    // Append-only like the evidence trail: a new row whenever an entry's content changes.
    // content_hash and text are NULL when the entry was removed from the files.
    await q.query(`
      CREATE TABLE knowledge_versions (
        id bigserial PRIMARY KEY,
        key text NOT NULL,
        version integer NOT NULL CHECK (version > 0),
        content_hash text,
        text text,
        source text,
        reason text NOT NULL CHECK (reason IN ('startup','reload')),
        actor text NOT NULL,
        at timestamptz NOT NULL,
        UNIQUE (key, version)
      )`)
    await q.query(`CREATE INDEX knowledge_versions_at_idx ON knowledge_versions (at)`)
    await q.query(`CREATE INDEX drafts_decided_idx ON drafts (decided_at) WHERE decided_at IS NOT NULL`)
    await q.query(`CREATE INDEX case_events_kind_at_idx ON case_events (kind, at)`)
    await q.query(`CREATE INDEX messages_intent_case_idx ON messages (case_id, said_at) WHERE intent = 'progress_question'`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX messages_intent_case_idx`)
    await q.query(`DROP INDEX case_events_kind_at_idx`)
    await q.query(`DROP INDEX drafts_decided_idx`)
    await q.query(`DROP TABLE knowledge_versions`)
  }
}
