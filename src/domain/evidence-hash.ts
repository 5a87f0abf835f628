import { createHash } from 'node:crypto'

/** The hash that starts every case's chain. */
export const GENESIS_HASH = '0'.repeat(64)

/** JSON with object keys sorted at every level, so equal content always hashes equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null)
  if (value instanceof Date) return JSON.stringify(value.toISOString())
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

export interface EvidenceContent {
  caseId: number
  seq: number
  kind: string
  actor: string
  at: string // ISO-8601, millisecond precision
  payload: unknown
}

/** sha256(prevHash + canonical content): changing any past event breaks every later link. */
export function evidenceHash(prevHash: string, content: EvidenceContent): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(content)).digest('hex')
}

export interface ChainEvent extends EvidenceContent {
  id: number
  prevHash: string
  hash: string
}

export type ChainCheck = { ok: true; events: number } | { ok: false; brokenAt: ChainEvent; reason: 'prev_hash_mismatch' | 'hash_mismatch' | 'seq_gap' }

/** Verifies one case's chain in seq order and names the first broken event. */
export function verifyChain(events: readonly ChainEvent[]): ChainCheck {
  let prev = GENESIS_HASH
  let expectedSeq = 1
  for (const e of events) {
    if (e.seq !== expectedSeq) return { ok: false, brokenAt: e, reason: 'seq_gap' }
    if (e.prevHash !== prev) return { ok: false, brokenAt: e, reason: 'prev_hash_mismatch' }
    const { id: _id, prevHash: _p, hash: _h, ...content } = e
    if (evidenceHash(prev, content) !== e.hash) return { ok: false, brokenAt: e, reason: 'hash_mismatch' }
    prev = e.hash
    expectedSeq++
  }
  return { ok: true, events: events.length }
}
