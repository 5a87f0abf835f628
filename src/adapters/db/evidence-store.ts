import type { ChainEvent } from '../../domain/evidence-hash.js'
import { chainNext, insertEvents, type ChainHead } from './evidence-chain.js'
import type { Queryable } from './sql.js'
import { CaseEventEntity } from './core-entities.js'
import { columnsOf, fromRow } from './entity-columns.js'

export interface NewEvidence {
  kind: string
  actor: string
  payload: Record<string, unknown>
  at: Date
}

/**
 * Appends one event to a case's chain. Call inside the transaction that locked the case row
 * (SELECT … FOR UPDATE), so appends to one case are serial; UNIQUE(case_id, seq) backs that up.
 */
export async function appendEvidence(tx: Queryable, caseId: number, e: NewEvidence, held?: { head: ChainHead | null }): Promise<ChainEvent> {
  // Serial per case even when the caller did not lock the row: a delivery result and a reviewer's
  // decision on the same case can commit at the same moment. `held`: the caller's transaction
  // already holds the row lock (and maybe knows the chain head), so neither is needed again.
  if (!held) await tx.query(`SELECT 1 FROM cases WHERE id = $1 FOR UPDATE`, [caseId])
  const last: ChainHead[] = held?.head ? [held.head] : await tx.query(`SELECT seq, hash FROM case_events WHERE case_id = $1 ORDER BY seq DESC LIMIT 1`, [caseId])
  const event = chainNext(last[0], caseId, e)
  const { sql, value } = insertEvents([event], '$1', 'RETURNING id')
  const rows: { id: string }[] = await tx.query(sql, [value])
  return { id: Number(rows[0]!.id), ...event }
}

const EVENT_COLUMNS = columnsOf(CaseEventEntity)

export async function loadChain(db: Queryable, caseId: number): Promise<ChainEvent[]> {
  const rows: Record<string, unknown>[] = await db.query(`SELECT * FROM case_events WHERE case_id = $1 ORDER BY seq`, [caseId])
  return rows.map((r) => {
    const e = fromRow(EVENT_COLUMNS, r)
    return { ...e, at: (e.at as Date).toISOString() }
  })
}

/** The evidence reader over SQL (for `npm run evidence:verify` and the API). */
export function sqlEvidenceReader(db: Queryable): { caseIdsWithEvents(): Promise<number[]>; chain(caseId: number): Promise<ChainEvent[]> } {
  return {
    caseIdsWithEvents: async () => ((await db.query(`SELECT DISTINCT case_id FROM case_events ORDER BY case_id`)) as { case_id: string }[]).map((r) => Number(r.case_id)),
    chain: (caseId) => loadChain(db, caseId),
  }
}
