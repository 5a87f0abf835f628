import type { CaseBrowser, CaseSearch, DraftWithSource } from '../../app/case-search.js'
import type { EvidenceView } from '../../app/store.js'
import type { Queryable } from './sql.js'
import { toCaseRecord, toDraftRecord } from './core-rows.js'

/** The case and draft lists of the HTTP API, over SQL (parameterised; filters are AND-ed). */
export function sqlCaseBrowser(db: Queryable): CaseBrowser {
  return {
    async searchCases(q: CaseSearch) {
      const where: string[] = []
      const params: unknown[] = []
      const p = (v: unknown) => (params.push(v), `$${params.length}`)
      if (q.state) where.push(`c.state = ${p(q.state)}`)
      if (q.party) where.push(`c.waiting_party = ${p(q.party)}`)
      if (q.owner) where.push(`c.owner_id = ${p(q.owner)}`)
      if (q.partner) where.push(`c.partner_key = ${p(q.partner)}`)
      if (q.group) {
        const g = p(q.group)
        where.push(`(cu.group_key = ${g} OR pa.group_key = ${g})`)
      }
      if (q.open !== undefined) where.push(q.open ? `c.closed_at IS NULL` : `c.closed_at IS NOT NULL`)
      if (q.overdue !== undefined) {
        const overdue = `(c.closed_at IS NULL AND c.due_at IS NOT NULL AND c.due_at < ${p(q.now)})`
        where.push(q.overdue ? overdue : `NOT ${overdue}`)
      }
      const from = `FROM cases c JOIN customers cu ON cu.key = c.customer_key LEFT JOIN partners pa ON pa.key = c.partner_key ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`
      const [{ n }] = (await db.query(`SELECT count(*)::int AS n ${from}`, params)) as [{ n: number }]
      const rows: Record<string, unknown>[] = await db.query(`SELECT c.* ${from} ORDER BY (c.closed_at IS NULL) DESC, c.due_at ASC NULLS LAST, c.id DESC LIMIT ${p(q.limit)} OFFSET ${p(q.offset)}`, params)
      return { items: rows.map(toCaseRecord), total: n }
    },

    async timeline(caseId: number): Promise<EvidenceView[]> {
      const rows: Array<{ seq: number; kind: string; actor: string; at: Date; payload: Record<string, unknown> }> = await db.query(
        `SELECT seq, kind, actor, at, payload FROM case_events WHERE case_id = $1 ORDER BY seq`,
        [caseId],
      )
      return rows
    },

    async drafts(f): Promise<DraftWithSource[]> {
      const where: string[] = []
      const params: unknown[] = []
      const p = (v: unknown) => (params.push(v), `$${params.length}`)
      if (f.status) where.push(`d.status = ${p(f.status)}`)
      if (f.caseId !== undefined) where.push(`d.case_id = ${p(f.caseId)}`)
      if (f.id !== undefined) where.push(`d.id = ${p(f.id)}`)
      const rows: Record<string, unknown>[] = await db.query(
        `SELECT d.*, m.text AS original, m.talker_id AS source_talker, m.group_key AS source_group FROM drafts d LEFT JOIN messages m ON m.id = d.source_message_id
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.id ${f.status === 'pending' ? 'ASC' : 'DESC'} LIMIT ${p(f.limit)}`,
        params,
      )
      return rows.map((r) => ({
        ...toDraftRecord(r),
        original: (r['original'] as string | null) ?? null,
        sourceTalker: (r['source_talker'] as string | null) ?? null,
        sourceGroup: (r['source_group'] as string | null) ?? null,
      }))
    },
  }
}
