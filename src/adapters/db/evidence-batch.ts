import { evidenceHash, GENESIS_HASH, type EvidenceContent } from '../../domain/evidence-hash.js'
import type { NewEvidence } from './evidence-store.js'
import type { Queryable } from './sql.js'
import { asStored, storableJson } from './storable.js'

/** The last event of a case's chain; a case without events has none. */
export interface ChainHead {
  seq: number
  hash: string
}

export type ChainedEvent = EvidenceContent & { prevHash: string; hash: string }

/** Every listed case's chain head, in one statement. */
export async function evidenceHeads(q: Queryable, caseIds: readonly number[]): Promise<Map<number, ChainHead>> {
  const rows: Array<{ case_id: string; seq: number; hash: string }> = await q.query(`SELECT ${HEADS_SELECT('$1')}`, [caseIds])
  return new Map(rows.map((h) => [Number(h.case_id), { seq: h.seq, hash: h.hash }]))
}

/** The heads query as a select list, so it can share a statement with other reads. */
export function HEADS_SELECT(caseIdsParam: string): string {
  return `c.id AS case_id, h.seq, h.hash
       FROM unnest(${caseIdsParam}::bigint[]) AS c(id)
       CROSS JOIN LATERAL (SELECT seq, hash FROM case_events e WHERE e.case_id = c.id ORDER BY seq DESC LIMIT 1) h`
}

/**
 * Chains events after the given heads exactly as appendEvidence chains them one at a time;
 * events of one case chain in the order given. `heads` is advanced in place.
 */
export function chainEvidence(heads: Map<number, ChainHead>, items: ReadonlyArray<{ caseId: number; event: NewEvidence }>): ChainedEvent[] {
  return items.map(({ caseId, event: e }) => {
    const last = heads.get(caseId)
    const seq = (last?.seq ?? 0) + 1
    const prevHash = last?.hash ?? GENESIS_HASH
    // The content as PostgreSQL stores it (JSON round trip, cleaned), so the hash verifies later.
    const content = asStored({ caseId, seq, kind: e.kind, actor: e.actor, at: e.at.toISOString(), payload: e.payload })
    const hash = evidenceHash(prevHash, content)
    heads.set(caseId, { seq, hash })
    return { ...content, prevHash, hash }
  })
}

/** A multi-row INSERT of chained events from one jsonb parameter (see evidenceRows); ids follow the given order. */
export function INSERT_EVIDENCE(rowsParam: string): string {
  return `INSERT INTO case_events (case_id, seq, kind, actor, payload, at, prev_hash, hash)
     SELECT r.case_id, r.seq, r.kind, r.actor, r.payload, r.at, r.prev_hash, r.hash
       FROM jsonb_to_recordset(${rowsParam}::jsonb) AS r(ord int, case_id bigint, seq int, kind text, actor text, payload jsonb, at timestamptz, prev_hash text, hash text)
      ORDER BY r.ord`
}

export function evidenceRows(events: readonly ChainedEvent[]): string {
  return storableJson(events.map((e, ord) => ({ ord, case_id: e.caseId, seq: e.seq, kind: e.kind, actor: e.actor, payload: e.payload, at: e.at, prev_hash: e.prevHash, hash: e.hash })))
}
