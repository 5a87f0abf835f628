import { toAttentionView, type AttentionQueries } from '../../app/attention-queries.js'
import type { Directory } from '../../app/directory.js'
import type { Wording } from '../../config/load-wording-dir.js'
import type { Queryable } from './sql.js'
import { toAttentionRecord } from './core-rows.js'

type Row = Record<string, unknown>

/**
 * The attention queue over SQL, read-only (clearing goes through the app's clearAttention in a
 * store transaction). The open lists use the partial indexes on open items (created_at, case_id).
 */
export function sqlAttentionQueries(db: Queryable, deps: { directory: Directory; wording: Wording }): AttentionQueries {
  const view = (r: Row) => toAttentionView(deps, toAttentionRecord(r))
  return {
    async listOpen(opts) {
      // the direction is one of two fixed strings, never caller text
      const dir = opts.oldestFirst === true ? 'ASC' : 'DESC'
      const rows: Row[] =
        opts.caseId === undefined
          ? await db.query(`SELECT * FROM attention_items WHERE cleared_at IS NULL ORDER BY created_at ${dir}, id ${dir} LIMIT $1`, [opts.limit])
          : await db.query(`SELECT * FROM attention_items WHERE cleared_at IS NULL AND case_id = $2 ORDER BY created_at ${dir}, id ${dir} LIMIT $1`, [opts.limit, opts.caseId])
      return rows.map(view)
    },

    async countOpen(opts = {}) {
      const rows: { n: number }[] =
        opts.caseId === undefined
          ? await db.query(`SELECT count(*)::int AS n FROM attention_items WHERE cleared_at IS NULL`)
          : await db.query(`SELECT count(*)::int AS n FROM attention_items WHERE cleared_at IS NULL AND case_id = $1`, [opts.caseId])
      return rows[0]?.n ?? 0
    },

    async get(id) {
      const rows: Row[] = await db.query(`SELECT * FROM attention_items WHERE id = $1`, [id])
      return rows[0] ? view(rows[0]) : null
    },
  }
}
