import type { SessionStore } from '../http/console-sessions.js'
import type { Queryable } from './sql.js'

/** Console sessions in PostgreSQL (`console_sessions`): shared by every api process. */
export function sqlSessionStore(db: Queryable): SessionStore {
  return {
    create: async (s) => {
      await db.query(`INSERT INTO console_sessions (id_hash, token_digest, created_at, last_seen_at) VALUES ($1, $2, $3, $3)`, [s.idHash, s.tokenDigest, s.at])
    },
    find: async (idHash) => {
      const rows = (await db.query(`SELECT token_digest, created_at, last_seen_at FROM console_sessions WHERE id_hash = $1`, [idHash])) as Array<{ token_digest: string; created_at: Date; last_seen_at: Date }>
      const r = rows[0]
      return r ? { tokenDigest: r.token_digest, createdAt: r.created_at, lastSeenAt: r.last_seen_at } : undefined
    },
    touch: async (idHash, at, unlessSeenSince) => {
      await db.query(`UPDATE console_sessions SET last_seen_at = $2 WHERE id_hash = $1 AND last_seen_at < $3`, [idHash, at, unlessSeenSince])
    },
    revoke: async (idHash) => {
      await db.query(`DELETE FROM console_sessions WHERE id_hash = $1`, [idHash])
    },
    purge: async (idleSince, createdSince) => {
      await db.query(`DELETE FROM console_sessions WHERE last_seen_at < $1 OR created_at < $2`, [idleSince, createdSince])
    },
  }
}
