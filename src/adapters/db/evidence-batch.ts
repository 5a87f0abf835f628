import { evidenceHash, GENESIS_HASH, type EvidenceContent } from '../../domain/evidence-hash.js'
import type { NewEvidence } from './evidence-store.js'
import { CaseEventEntity, type CaseEventRow } from './core-entities.js'
import { insertRows, type BuiltSql } from './entity-columns.js'
import type { Queryable } from './sql.js'
import { asStored } from './storable.js'

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
 * The one encoding of the evidence chain: the event after `head` (none: the case's first). Every
 * writer (one append, a batch, a timer batch) chains through here, so the hashes verify alike.
 */
export function chainNext(head: ChainHead | null | undefined, caseId: number, e: NewEvidence): ChainedEvent {
  const seq = (head?.seq ?? 0) + 1
  const prevHash = head?.hash ?? GENESIS_HASH
  // The content as PostgreSQL stores it (JSON round trip, cleaned), so the hash verifies later.
  const content = asStored({ caseId, seq, kind: e.kind, actor: e.actor, at: e.at.toISOString(), payload: e.payload })
  return { ...content, prevHash, hash: evidenceHash(prevHash, content) }
}

/**
 * Chains events after the given heads; events of one case chain in the order given. `heads` is
 * advanced in place.
 */
export function chainEvidence(heads: Map<number, ChainHead>, items: ReadonlyArray<{ caseId: number; event: NewEvidence }>): ChainedEvent[] {
  return items.map(({ caseId, event }) => {
    const next = chainNext(heads.get(caseId), caseId, event)
    heads.set(caseId, { seq: next.seq, hash: next.hash })
    return next
  })
}

/** The one INSERT of chained events (many rows, ids in the given order) from the jsonb parameter `param`. */
export function insertEvents(events: readonly ChainedEvent[], param: string, tail = ''): BuiltSql {
  const rows: Array<Partial<CaseEventRow>> = events.map((e) => ({ caseId: e.caseId, seq: e.seq, kind: e.kind, actor: e.actor, payload: e.payload, at: e.at, prevHash: e.prevHash, hash: e.hash }))
  return insertRows(CaseEventEntity, rows, param, tail)
}
