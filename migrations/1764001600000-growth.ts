import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * Growth, part 1 (issue 20): contacts the bot account sees, their append-only event log, tags
 * (one live row per contact and tag; a removal closes the row so who/when stays readable) and the
 * guard that welcomes each member of a typed group at most once. Each table has one TypeORM
 * definition in src/adapters/db/growth-entities.ts; tests compare the two.
 */
export class Growth1764001600000 implements MigrationInterface {
  name = 'Growth1764001600000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE contacts (
        id bigserial PRIMARY KEY,
        wecom_id text NOT NULL UNIQUE,
        name text NOT NULL,
        person_id text,
        stage text,
        first_inbound_at timestamptz,
        last_inbound_at timestamptz,
        first_outbound_at timestamptz,
        last_outbound_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`)
    await q.query(`CREATE INDEX contacts_name_idx ON contacts (name)`)
    // the nightly dormant rule reads contacts by their last inbound message
    await q.query(`CREATE INDEX contacts_last_inbound_idx ON contacts (last_inbound_at)`)
    await q.query(`
      CREATE TABLE contact_events (
        id bigserial PRIMARY KEY,
        contact_id bigint NOT NULL REFERENCES contacts(id),
        kind text NOT NULL CHECK (kind IN ('joined_group','left_group','message','case_opened','case_closed','tag_added','tag_removed')),
        group_key text,
        message_id bigint,
        detail jsonb NOT NULL DEFAULT '{}'::jsonb,
        at timestamptz NOT NULL
      )`)
    await q.query(`CREATE INDEX contact_events_contact_idx ON contact_events (contact_id, id)`)
    // a message replayed through the spool is one event, not two
    await q.query(`CREATE UNIQUE INDEX contact_events_message_uniq ON contact_events (message_id) WHERE kind = 'message'`)
    await q.query(`
      CREATE TABLE contact_tags (
        id bigserial PRIMARY KEY,
        contact_id bigint NOT NULL REFERENCES contacts(id),
        tag text NOT NULL,
        dimension text NOT NULL,
        source text NOT NULL CHECK (source IN ('manual','rule','case')),
        applied_by text NOT NULL,
        applied_at timestamptz NOT NULL,
        removed_at timestamptz,
        removed_by text
      )`)
    await q.query(`CREATE UNIQUE INDEX contact_tags_live_uniq ON contact_tags (contact_id, tag) WHERE removed_at IS NULL`)
    await q.query(`CREATE INDEX contact_tags_tag_idx ON contact_tags (tag) WHERE removed_at IS NULL`)
    await q.query(`
      CREATE TABLE group_welcomes (
        id bigserial PRIMARY KEY,
        group_key text NOT NULL,
        member_id text NOT NULL,
        send_id bigint REFERENCES sends(id),
        created_at timestamptz NOT NULL,
        UNIQUE (group_key, member_id)
      )`)
    await q.query(`ALTER TABLE sends DROP CONSTRAINT sends_kind_check`)
    await q.query(`ALTER TABLE sends ADD CONSTRAINT sends_kind_check CHECK (kind IN ('draft','notice','reply','reminder','writeback','escalation','welcome'))`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sends DROP CONSTRAINT sends_kind_check`)
    await q.query(`ALTER TABLE sends ADD CONSTRAINT sends_kind_check CHECK (kind IN ('draft','notice','reply','reminder','writeback','escalation'))`)
    await q.query(`DROP TABLE group_welcomes`)
    await q.query(`DROP TABLE contact_tags`)
    await q.query(`DROP TABLE contact_events`)
    await q.query(`DROP TABLE contacts`)
  }
}
