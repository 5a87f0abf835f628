import type { MigrationInterface, QueryRunner } from 'typeorm'

/** Issue 2: the tenant directory (synced from YAML) and every recorded message. */
export class Foundation1764000000000 implements MigrationInterface {
  name = 'Foundation1764000000000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE groups (
        key text PRIMARY KEY,
        room_id text UNIQUE,
        topic text,
        kind text NOT NULL CHECK (kind IN ('customer','public_customer','partner','internal')),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`)
    await q.query(`
      CREATE TABLE people (
        wecom_id text PRIMARY KEY,
        name text NOT NULL,
        roles text[] NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`)
    await q.query(`
      CREATE TABLE customers (
        key text PRIMARY KEY,
        name text NOT NULL,
        aliases text[] NOT NULL DEFAULT '{}',
        order_numbers text[] NOT NULL DEFAULT '{}',
        phone_tail text,
        group_key text NOT NULL REFERENCES groups(key),
        contact_id text NOT NULL,
        executor_id text,
        service_type text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`)
    await q.query(`
      CREATE TABLE partners (
        key text PRIMARY KEY,
        name text NOT NULL,
        group_key text NOT NULL REFERENCES groups(key),
        staff text[] NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL DEFAULT now()
      )`)
    // One row per WeCom message, inbound or outbound. wecom_id is unique because
    // puppet-service replays events after a reconnect.
    await q.query(`
      CREATE TABLE messages (
        id bigserial PRIMARY KEY,
        wecom_id text NOT NULL UNIQUE,
        direction text NOT NULL CHECK (direction IN ('inbound','outbound')),
        group_key text REFERENCES groups(key),
        room_id text,
        channel text NOT NULL,
        talker_id text NOT NULL,
        talker_name text,
        talker_role text NOT NULL,
        type text NOT NULL,
        text text NOT NULL DEFAULT '',
        mention_ids text[] NOT NULL DEFAULT '{}',
        attachment jsonb,
        said_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        -- set in the same transaction as the decision, so a crash between recording and
        -- deciding is found and finished at start-up
        handled_at timestamptz
      )`)
    await q.query(`CREATE INDEX messages_group_said_idx ON messages (group_key, said_at DESC)`)
    await q.query(`CREATE INDEX messages_talker_said_idx ON messages (talker_id, said_at DESC)`)
    await q.query(`CREATE INDEX messages_unhandled_idx ON messages (id) WHERE handled_at IS NULL AND direction = 'inbound'`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE messages')
    await q.query('DROP TABLE partners')
    await q.query('DROP TABLE customers')
    await q.query('DROP TABLE people')
    await q.query('DROP TABLE groups')
  }
}
