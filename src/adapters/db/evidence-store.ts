import { evidenceHash, GENESIS_HASH, type ChainEvent } from '../../domain/evidence-hash.js'
import type { Queryable } from './sql.js'
import { asStored, storableJson } from './storable.js'

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
export async function appendEvidence(tx: Queryable, caseId: number, e: NewEvidence, held?: { head: { seq: number; hash: string } | null }): Promise<ChainEvent> {
  // Serial per case even when the caller did not lock the row: a delivery result and a reviewer's
  // decision on the same case can commit at the same moment. `held`: the caller's transaction
  // already holds the row lock (and maybe knows the chain head), so neither is needed again.
  if (!held) await tx.query(`SELECT 1 FROM cases WHERE id = $1 FOR UPDATE`, [caseId])
  const last: { seq: number; hash: string }[] = held?.head ? [held.head] : await tx.query(`SELECT seq, hash FROM case_events WHERE case_id = $1 ORDER BY seq DESC LIMIT 1`, [caseId])
  const seq = (last[0]?.seq ?? 0) + 1
  const prevHash = last[0]?.hash ?? GENESIS_HASH
  // The content as PostgreSQL stores it (JSON round trip, cleaned), so the hash verifies later.
  const content = asStored({ caseId, seq, kind: e.kind, actor: e.actor, at: e.at.toISOString(), payload: e.payload })
  const hash = evidenceHash(prevHash, content)
  const rows: { id: string }[] = await tx.query(
    `INSERT INTO case_events (case_id, seq, kind, actor, payload, at, prev_hash, hash)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id`,
    [caseId, seq, content.kind, content.actor, storableJson(content.payload), e.at, prevHash, hash],
  )
  return { id: Number(rows[0]!.id), ...content, prevHash, hash }
}

interface EventRow {
  id: string
  case_id: string
  seq: number
  kind: string
  actor: string
  payload: unknown
  at: Date
  prev_hash: string
  hash: string
}

export async function loadChain(db: Queryable, caseId: number): Promise<ChainEvent[]> {
  const rows: EventRow[] = await db.query(`SELECT * FROM case_events WHERE case_id = $1 ORDER BY seq`, [caseId])
  return rows.map((r) => ({
    id: Number(r.id),
    caseId: Number(r.case_id),
    seq: r.seq,
    kind: r.kind,
    actor: r.actor,
    at: r.at.toISOString(),
    payload: r.payload,
    prevHash: r.prev_hash,
    hash: r.hash,
  }))
}

/** The evidence reader over SQL (for `npm run evidence:verify` and the API). */
export function sqlEvidenceReader(db: Queryable): { caseIdsWithEvents(): Promise<number[]>; chain(caseId: number): Promise<ChainEvent[]> } {
  return {
    caseIdsWithEvents: async () => ((await db.query(`SELECT DISTINCT case_id FROM case_events ORDER BY case_id`)) as { case_id: string }[]).map((r) => Number(r.case_id)),
    chain: (caseId) => loadChain(db, caseId),
  }
}
