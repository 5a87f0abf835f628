import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * Issues 3 and 4: service cases, drafts, the outbound send log (also the transactional
 * outbox: a row is written in the same transaction as the state change that implies it and
 * relayed to BullMQ afterwards) and the append-only, hash-chained evidence trail.
 */
export class CasesDraftsEvidence1764000100000 implements MigrationInterface {
  name = 'CasesDraftsEvidence1764000100000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cases (
        id bigserial PRIMARY KEY,
        customer_key text NOT NULL REFERENCES customers(key),
        service_type text NOT NULL,
        contact_id text,
        executor_id text,
        owner_id text,
        partner_key text REFERENCES partners(key),
        order_no text,
        state text NOT NULL,
        waiting_party text NOT NULL,
        missing_items text[] NOT NULL DEFAULT '{}',
        due_at timestamptz,
        state_entered_at timestamptz NOT NULL,
        -- increments on every state entry: timer job ids are derived from it
        state_version integer NOT NULL DEFAULT 1,
        reminder_count integer NOT NULL DEFAULT 0,
        cancellation_reason text,
        customer_completed_at timestamptz,
        writeback_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        closed_at timestamptz
      )`)
    await q.query(`CREATE INDEX cases_open_customer_idx ON cases (customer_key, updated_at DESC) WHERE closed_at IS NULL`)
    await q.query(`CREATE INDEX cases_due_idx ON cases (due_at) WHERE due_at IS NOT NULL AND closed_at IS NULL`)
    await q.query(`CREATE INDEX cases_order_idx ON cases (order_no) WHERE order_no IS NOT NULL`)

    await q.query(`ALTER TABLE messages ADD COLUMN case_id bigint REFERENCES cases(id)`)
    await q.query(`ALTER TABLE messages ADD COLUMN intent text`)
    await q.query(`ALTER TABLE messages ADD COLUMN mode text`)
    await q.query(`ALTER TABLE messages ADD COLUMN classification jsonb`)
    await q.query(`CREATE INDEX messages_case_idx ON messages (case_id, id) WHERE case_id IS NOT NULL`)

    await q.query(`
      CREATE TABLE drafts (
        id bigserial PRIMARY KEY,
        case_id bigint REFERENCES cases(id),
        target_group_key text NOT NULL REFERENCES groups(key),
        category text NOT NULL,
        text text NOT NULL,
        mode text NOT NULL CHECK (mode IN ('send_direct','review_before_send')),
        status text NOT NULL CHECK (status IN ('pending','approved','edited','rejected','taken_over','sent_direct','expired')),
        risk_flags text[] NOT NULL DEFAULT '{}',
        risk_details jsonb NOT NULL DEFAULT '{}',
        candidates bigint[] NOT NULL DEFAULT '{}',
        template_id text,
        template_version integer,
        template_hash text,
        source_message_id bigint REFERENCES messages(id),
        decided_by text,
        decided_at timestamptz,
        final_text text,
        decision_note text,
        created_at timestamptz NOT NULL
      )`)
    await q.query(`CREATE INDEX drafts_pending_idx ON drafts (created_at) WHERE status = 'pending'`)
    await q.query(`CREATE INDEX drafts_case_idx ON drafts (case_id)`)

    // Every message Baton sends. Written in the transaction that decides it; the relay moves
    // rows with relayed_at IS NULL to BullMQ with job id send-<id>, so a send is never doubled.
    await q.query(`
      CREATE TABLE sends (
        id bigserial PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('draft','notice','reply','reminder','writeback','escalation')),
        draft_id bigint REFERENCES drafts(id),
        case_id bigint REFERENCES cases(id),
        group_key text REFERENCES groups(key),
        contact_id text,
        text text NOT NULL,
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','sending','sent','failed')),
        attempts integer NOT NULL DEFAULT 0,
        wecom_message_id text,
        error text,
        not_before timestamptz,
        created_at timestamptz NOT NULL,
        relayed_at timestamptz,
        sent_at timestamptz,
        CHECK (group_key IS NOT NULL OR contact_id IS NOT NULL)
      )`)
    await q.query(`CREATE INDEX sends_unrelayed_idx ON sends (id) WHERE relayed_at IS NULL`)
    await q.query(`CREATE UNIQUE INDEX sends_one_per_draft_idx ON sends (draft_id) WHERE draft_id IS NOT NULL AND kind = 'draft'`)
    await q.query(`CREATE INDEX sends_case_idx ON sends (case_id)`)

    await q.query(`
      CREATE TABLE case_events (
        id bigserial PRIMARY KEY,
        case_id bigint NOT NULL REFERENCES cases(id),
        seq integer NOT NULL,
        kind text NOT NULL,
        actor text NOT NULL,
        payload jsonb NOT NULL,
        at timestamptz NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        UNIQUE (case_id, seq)
      )`)
    // The trail is append-only: the database itself refuses updates and deletes.
    await q.query(`
      CREATE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'case_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`)
    await q.query(`
      CREATE TRIGGER case_events_no_update BEFORE UPDATE OR DELETE ON case_events
      FOR EACH ROW EXECUTE FUNCTION case_events_append_only()`)
    await q.query(`
      CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
      FOR EACH STATEMENT EXECUTE FUNCTION case_events_append_only()`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE case_events')
    await q.query('DROP FUNCTION case_events_append_only')
    await q.query('DROP TABLE sends')
    await q.query('DROP TABLE drafts')
    await q.query('ALTER TABLE messages DROP COLUMN case_id, DROP COLUMN intent, DROP COLUMN mode, DROP COLUMN classification')
    await q.query('DROP TABLE cases')
  }
}
