import type { PendingDraftQueries } from '../../app/review/expire-drafts.js'
import type { Queryable } from './sql.js'

export function sqlPendingDraftQueries(db: Queryable): PendingDraftQueries {
  return {
    pendingCreatedBefore: async (before, limit) =>
      ((await db.query(`SELECT id FROM drafts WHERE status = 'pending' AND created_at <= $1 ORDER BY created_at, id LIMIT $2`, [before, limit])) as { id: string }[]).map((r) => Number(r.id)),
  }
}
