import type { CaseRecord, DraftRecord } from '../../app/case-record.js'
import type { CaseListFilter, CaseQueries, EvidenceView } from '../../app/store.js'
import type { Queryable } from './sql.js'
import { toCaseRecord, toDraftRecord } from './core-rows.js'

const WAITING = `state IN ('waiting_customer_material','waiting_contact_coordination','waiting_executor','waiting_review','waiting_partner')`

export class SqlCaseQueries implements CaseQueries {
  constructor(private readonly db: Queryable) {}

  async getCase(id: number): Promise<CaseRecord | null> {
    const rows: Record<string, unknown>[] = await this.db.query(`SELECT * FROM cases WHERE id = $1`, [id])
    return rows[0] ? toCaseRecord(rows[0]) : null
  }

  async getDraft(id: number): Promise<DraftRecord | null> {
    const rows: Record<string, unknown>[] = await this.db.query(`SELECT * FROM drafts WHERE id = $1`, [id])
    return rows[0] ? toDraftRecord(rows[0]) : null
  }

  async recentEvents(caseId: number, limit: number): Promise<EvidenceView[]> {
    const rows: Array<{ seq: number; kind: string; actor: string; at: Date; payload: Record<string, unknown> }> = await this.db.query(
      `SELECT seq, kind, actor, at, payload FROM case_events WHERE case_id = $1 ORDER BY seq DESC LIMIT $2`,
      [caseId, limit],
    )
    return rows.reverse()
  }

  async listCases(filter: CaseListFilter, opts: { now: Date; me: string; limit: number }): Promise<CaseRecord[]> {
    const where =
      filter === 'waiting'
        ? `closed_at IS NULL AND ${WAITING}`
        : filter === 'overdue'
          ? `closed_at IS NULL AND due_at IS NOT NULL AND due_at < $1`
          : filter === 'mine'
            ? `closed_at IS NULL AND owner_id = $2`
            : `closed_at IS NULL`
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT * FROM cases WHERE ${where} AND ($1::timestamptz IS NOT NULL) AND ($2::text IS NOT NULL) ORDER BY due_at ASC NULLS LAST, id DESC LIMIT $3`,
      [opts.now, opts.me, opts.limit],
    )
    return rows.map(toCaseRecord)
  }
}
