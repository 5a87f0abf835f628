import { describe, expect, it } from 'vitest'
import { canonicalJson, evidenceHash, GENESIS_HASH, verifyChain, type ChainEvent } from '../../src/domain/evidence-hash.js'

function chain(n: number): ChainEvent[] {
  const out: ChainEvent[] = []
  let prev = GENESIS_HASH
  for (let seq = 1; seq <= n; seq++) {
    const content = { caseId: 1, seq, kind: 'message', actor: 'wx-a', at: `2026-11-25T00:00:0${seq}.000Z`, payload: { text: `第${seq}条`, n: seq } }
    const hash = evidenceHash(prev, content)
    out.push({ id: seq * 10, ...content, prevHash: prev, hash })
    prev = hash
  }
  return out
}

describe('evidence chain', () => {
  it('canonical JSON ignores key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, { e: 3, f: 2 }] }, b: 1 }))
  })
  it('verifies an intact chain', () => expect(verifyChain(chain(4))).toEqual({ ok: true, events: 4 }))
  it('names the first event whose content changed', () => {
    const c = chain(4)
    c[1] = { ...c[1]!, payload: { text: '改过', n: 2 } }
    expect(verifyChain(c)).toMatchObject({ ok: false, reason: 'hash_mismatch', brokenAt: { id: 20, seq: 2 } })
  })
  it('detects a removed event and a re-hashed forgery', () => {
    const c = chain(4)
    expect(verifyChain([c[0]!, c[2]!, c[3]!])).toMatchObject({ ok: false, reason: 'seq_gap', brokenAt: { seq: 3 } })
    const forged = { ...c[1]!, payload: { text: '改过', n: 2 } }
    forged.hash = evidenceHash(forged.prevHash, { caseId: 1, seq: 2, kind: forged.kind, actor: forged.actor, at: forged.at, payload: forged.payload })
    expect(verifyChain([c[0]!, forged, c[2]!, c[3]!])).toMatchObject({ ok: false, reason: 'prev_hash_mismatch', brokenAt: { seq: 3 } })
  })
})
