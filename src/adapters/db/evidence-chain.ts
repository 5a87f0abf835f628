import { evidenceHash, GENESIS_HASH, type EvidenceContent } from '../../domain/evidence-hash.js'
import type { NewEvidence } from './evidence-store.js'
import { CaseEventEntity, type CaseEventRow } from './core-entities.js'
import { insertRows, type BuiltSql } from './entity-columns.js'
import { asStored } from './storable.js'

/** The last event of a case's chain; a case without events has none. */
export interface ChainHead {
  seq: number
  hash: string
}

export type ChainedEvent = EvidenceContent & { prevHash: string; hash: string }

/**
 * The one encoding of the evidence chain: the event after `head` (none: the case's first). Every
 * writer (one append, a batch of messages or of timers) chains through here, so the hashes verify alike.
 */
export function chainNext(head: ChainHead | null | undefined, caseId: number, e: NewEvidence): ChainedEvent {
  const seq = (head?.seq ?? 0) + 1
  const prevHash = head?.hash ?? GENESIS_HASH
  // The content as PostgreSQL stores it (JSON round trip, cleaned), so the hash verifies later.
  const content = asStored({ caseId, seq, kind: e.kind, actor: e.actor, at: e.at.toISOString(), payload: e.payload })
  return { ...content, prevHash, hash: evidenceHash(prevHash, content) }
}

/** The one INSERT of chained events (many rows, ids in the given order) from the jsonb parameter `param`. */
export function insertEvents(events: readonly ChainedEvent[], param: string, tail = ''): BuiltSql {
  const rows: Array<Partial<CaseEventRow>> = events.map((e) => ({ caseId: e.caseId, seq: e.seq, kind: e.kind, actor: e.actor, payload: e.payload, at: e.at, prevHash: e.prevHash, hash: e.hash }))
  return insertRows(CaseEventEntity, rows, param, tail)
}
