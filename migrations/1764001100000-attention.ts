import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * "Needs a person" (issue 14): a message no draft can answer (a complaint, a safety hazard, a
 * changed address, a request for a human, anything substantive Baton cannot read confidently)
 * becomes an attention item. The team is told once, the item waits in the attention queue (API,
 * console) and on its case until a person acts, and the case knows it has one open
 * (`attention_since`), so a later routine question on a disputed case is not answered by a
 * template.
 *
 * Cases also remember what they wait for from the customer side (`awaiting`: material, an
 * appointment answer, a confirmation) and which requested items have arrived
 * (`received_items`, beside `missing_items`), so one photo satisfies one item and the write-back
 * says what arrived and what is still missing.
 */
export class Attention1764001100000 implements MigrationInterface {
  name = 'Attention1764001100000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE attention_items (
        id bigserial PRIMARY KEY,
        message_id bigint NOT NULL UNIQUE REFERENCES messages (id),
        case_id bigint REFERENCES cases (id),
        customer_key text,
        group_key text,
        talker_id text NOT NULL,
        reasons text[] NOT NULL,
        text text NOT NULL,
        notified boolean NOT NULL,
        created_at timestamptz NOT NULL,
        cleared_at timestamptz,
        cleared_by text,
        clear_note text
      )`)
    await q.query(`CREATE INDEX attention_items_open_idx ON attention_items (created_at) WHERE cleared_at IS NULL`)
    await q.query(`CREATE INDEX attention_items_case_idx ON attention_items (case_id) WHERE cleared_at IS NULL`)
    await q.query(`CREATE INDEX attention_items_group_idx ON attention_items (group_key, created_at) WHERE cleared_at IS NULL`)
    await q.query(`ALTER TABLE cases ADD COLUMN attention_since timestamptz`)
    await q.query(`ALTER TABLE cases ADD COLUMN awaiting text CHECK (awaiting IN ('material','appointment','confirmation'))`)
    await q.query(`ALTER TABLE cases ADD COLUMN received_items text[] NOT NULL DEFAULT '{}'`)
    // one pending reminder draft per case: a newer reminder supersedes the one still waiting
    await q.query(`ALTER TABLE drafts DROP CONSTRAINT drafts_status_check`)
    await q.query(`ALTER TABLE drafts ADD CONSTRAINT drafts_status_check CHECK (status IN ('pending','approved','edited','rejected','taken_over','sent_direct','expired','superseded'))`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE drafts SET status = 'expired' WHERE status = 'superseded'`)
    await q.query(`ALTER TABLE drafts DROP CONSTRAINT drafts_status_check`)
    await q.query(`ALTER TABLE drafts ADD CONSTRAINT drafts_status_check CHECK (status IN ('pending','approved','edited','rejected','taken_over','sent_direct','expired'))`)
    await q.query(`ALTER TABLE cases DROP COLUMN received_items, DROP COLUMN awaiting, DROP COLUMN attention_since`)
    await q.query(`DROP TABLE attention_items`)
  }
}
