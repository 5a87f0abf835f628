import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadLexicon } from '../../src/config/lexicon-schema.js'
import { compileLexicon, findTerm, matchLexicon, prepareText, type PreparedText, type Span, type Term } from '../../src/domain/understanding/lexicon.js'

/** findTerm as it was before the prefilter and the in-place run check: the reference. */
function referenceFindTerm(t: PreparedText, term: Term): Span[] {
  const gluable = (s: string): boolean => [...s].length >= 2
  if (term.latin) return [...t.normalized.matchAll(term.latin)].map((m) => ({ start: m.index, end: m.index + m[0].length }))
  if (term.tokens.length === 0) {
    const at = t.normalized.indexOf(term.text)
    return at < 0 ? [] : [{ start: at, end: at + term.text.length }]
  }
  const out: Span[] = []
  const { tokens } = t
  const k = term.tokens.length
  const first = term.tokens[0]!
  const last = term.tokens[k - 1]!
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!
    const inside = tok.text === term.text ? 0 : gluable(term.text) ? tok.text.indexOf(term.text) : -1
    if (inside >= 0) out.push({ start: tok.start + inside, end: tok.start + inside + term.text.length })
    if (k < 2 || i + k > tokens.length) continue
    const run = tokens.slice(i, i + k)
    const contiguous = run.every((r, j) => j === 0 || r.start === run[j - 1]!.end)
    const head = run[0]!.text === first || (gluable(first) && run[0]!.text.endsWith(first))
    const tail = run[k - 1]!.text === last || (gluable(last) && run[k - 1]!.text.startsWith(last))
    const middle = run.slice(1, -1).every((r, j) => r.text === term.tokens[j + 1])
    if (contiguous && head && tail && middle) out.push({ start: run[0]!.end - first.length, end: run[k - 1]!.start + last.length })
  }
  return out
}

/** The term hits of every group in the group's order, each term tried on every text: the reference for the lead index. */
function referenceMatch(t: PreparedText): { intents: Map<string, string[]>; risks: Map<string, string[]> } {
  type Hit = Span & { key: string; term: string }
  const hitsOf = (groups: ReadonlyMap<string, readonly Term[]>): Hit[] => [...groups].flatMap(([key, ts]) => ts.flatMap((term) => referenceFindTerm(t, term).map((s) => ({ ...s, key, term: term.text }))))
  const covers = (a: Span, b: Span) => a.start <= b.start && b.end <= a.end && a.end - a.start > b.end - b.start
  const ignore = lexicon.ignore.flatMap((term) => referenceFindTerm(t, term))
  const unshadowed = (hits: Hit[]) => {
    const out = new Map<string, string[]>()
    for (const h of hits) {
      if (ignore.some((s) => covers(s, h)) || hits.some((o) => o.key !== h.key && covers(o, h))) continue
      const list = out.get(h.key) ?? []
      if (!list.includes(h.term)) list.push(h.term)
      out.set(h.key, list)
    }
    return out
  }
  const intents = unshadowed(hitsOf(lexicon.intents))
  const risks = unshadowed(hitsOf(lexicon.risks))
  for (const [intent, risk] of [
    ['refund_or_compensation', 'compensation'],
    ['complaint', 'complaint'],
  ] as const) {
    const found = intents.get(intent)
    if (found) risks.set(risk, [...new Set([...(risks.get(risk) ?? []), ...found])])
  }
  return { intents, risks }
}

const lexicon = compileLexicon(loadLexicon('config/lexicon.yaml'))
const terms: Term[] = [...lexicon.intents.values(), ...lexicon.risks.values()].flat().concat(lexicon.ignore)
const FILLER = ['师傅', '明天', '上午', '的', '了', '吗', '我', '家里', '现在', '订单', 'DD20261102007', '，', '。', ' ', '?', '好', '已', '在', 'ok', '12315', '👌', '！']

describe('lexicon matching: the fast path finds exactly what the reference finds', () => {
  it('on texts made of lexicon terms, their pieces and filler', () => {
    const piece = fc.oneof(fc.constantFrom(...terms.map((t) => t.text)), fc.constantFrom(...terms.flatMap((t) => t.tokens)), fc.constantFrom(...FILLER))
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 12 }), (parts) => {
        const text = prepareText(parts.join(''))
        for (const term of terms) expect(findTerm(text, term)).toEqual(referenceFindTerm(text, term))
      }),
      { numRuns: 300 },
    )
  })

  it('matchLexicon through the lead index finds the same terms, in the same order, as trying every term', () => {
    const piece = fc.oneof(fc.constantFrom(...terms.map((t) => t.text)), fc.constantFrom(...terms.flatMap((t) => t.tokens)), fc.constantFrom(...FILLER))
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 12 }), (parts) => {
        const text = prepareText(parts.join(''))
        const got = matchLexicon(text, lexicon)
        const want = referenceMatch(text)
        expect([...got.intents]).toEqual([...want.intents])
        expect([...got.risks]).toEqual([...want.risks])
      }),
      { numRuns: 300 },
    )
  })
})
