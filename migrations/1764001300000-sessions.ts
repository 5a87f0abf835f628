import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * Console sessions (issue 17): the browser's cookie holds a random session id, never the API
 * token, so logging out revokes it and a stolen cookie dies with its session. Only the SHA-256 of
 * the id is stored (a database reader cannot replay a live session), with the SHA-256 of the token
 * it was opened with: a token removed from BATON_API_TOKENS or rotated ends its sessions, and the
 * role always comes from the token as configured now. Idle and absolute limits are checked
 * against `last_seen_at` and `created_at`.
 */
export class Sessions1764001300000 implements MigrationInterface {
  name = 'Sessions1764001300000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE console_sessions (
        id_hash text PRIMARY KEY,
        token_digest text NOT NULL,
        created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL
      )`)
    // expired sessions are swept at login; both limits are a range scan on this index
    await q.query(`CREATE INDEX console_sessions_last_seen_idx ON console_sessions (last_seen_at)`)
    await q.query(`CREATE INDEX console_sessions_created_idx ON console_sessions (created_at)`)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE console_sessions`)
  }
}
