import type { Intent, RiskFlag } from '../types.js'
import { normalizeText } from './normalize-text.js'
import { segmentTokens, type Token } from './segment-words.js'

/** Intents found by words; `internal_note` and `unknown` come from context alone. */
export const LEXICON_INTENTS = [
  'partner_request',
  'completion_claim',
  'material_provided',
  'progress_question',
  'appointment',
  'refund_or_compensation',
  'complaint',
  'chit_chat',
] as const satisfies readonly Intent[]
export type LexiconIntent = (typeof LEXICON_INTENTS)[number]

/** Risk flags found by words (`missing_context` is computed from references instead). */
export const LEXICON_RISKS = ['commitment', 'compensation', 'complaint', 'privacy', 'sensitive_claim', 'verification_conflict'] as const satisfies readonly RiskFlag[]
export type LexiconRisk = (typeof LEXICON_RISKS)[number]

/** Words of these intents are risks too, so operators list a refund or complaint word once. */
const INTENT_IMPLIES_RISK: Partial<Record<LexiconIntent, LexiconRisk>> = { refund_or_compensation: 'compensation', complaint: 'complaint' }

/** The lexicon as operators write it (config/lexicon.yaml, validated by src/config/lexicon-schema.ts). */
export interface RawLexicon {
  intents: Partial<Record<LexiconIntent, readonly string[]>>
  risks: Partial<Record<LexiconRisk, readonly string[]>>
  /** Phrases that contain a term but mean something else ("不一定", "包裹"): they shadow it. */
  ignore?: readonly string[]
  patterns: { caseId: readonly string[]; orderNumber: readonly string[]; phoneTail: readonly string[]; link: readonly string[] }
}

/** A lexicon term prepared for matching. */
export interface Term {
  text: string
  tokens: readonly string[]
  /** Whole-word matcher for ASCII terms; null for terms matched on tokens. */
  latin: RegExp | null
  /** The first code unit any match starts with: a text without it cannot contain the term. */
  lead: string
}

export interface CompiledLexicon {
  intents: ReadonlyMap<LexiconIntent, readonly Term[]>
  risks: ReadonlyMap<LexiconRisk, readonly Term[]>
  ignore: readonly Term[]
  patterns: { caseId: readonly RegExp[]; orderNumber: readonly RegExp[]; phoneTail: readonly RegExp[]; link: readonly RegExp[] }
  /** the intents' and risks' terms by their first code unit (see hitsOf) */
  byLead: { intents: LeadIndex<LexiconIntent>; risks: LeadIndex<LexiconRisk> }
}

/** Terms of a group by `Term.lead`, each with its place in the group's own order. */
interface LeadIndex<K> {
  byLead: ReadonlyMap<string, ReadonlyArray<{ key: K; term: Term; order: number }>>
}

function leadIndex<K>(groups: ReadonlyMap<K, readonly Term[]>): LeadIndex<K> {
  const byLead = new Map<string, Array<{ key: K; term: Term; order: number }>>()
  let order = 0
  for (const [key, terms] of groups) {
    for (const term of terms) {
      const list = byLead.get(term.lead)
      const entry = { key, term, order: order++ }
      if (list) list.push(entry)
      else byLead.set(term.lead, [entry])
    }
  }
  return { byLead }
}
export type Lexicon = CompiledLexicon

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

function compileTerm(raw: string): Term {
  const text = normalizeText(raw)
  // ASCII terms ("done", "any update", "12315", "100%") match on latin word boundaries, so a
  // Chinese character next to them is a boundary too ("打12315").
  const latin = /^[\x20-\x7e]+$/.test(text) ? new RegExp(`(?<![a-z0-9])${escapeRegExp(text)}(?![a-z0-9])`, 'g') : null
  const tokens = segmentTokens(text).map((t) => t.text)
  return { text, tokens, latin, lead: (tokens[0] ?? text).charAt(0) }
}

/** Segments every term and compiles every pattern once, so matching a message allocates no regex. */
export function compileLexicon(raw: RawLexicon): CompiledLexicon {
  const group = <K extends string>(keys: readonly K[], g: Partial<Record<K, readonly string[]>>) => new Map(keys.map((k) => [k, [...new Set(g[k] ?? [])].map(compileTerm)] as const))
  const rx = (list: readonly string[]) => list.map((s) => new RegExp(s, 'giu'))
  const intents = group(LEXICON_INTENTS, raw.intents)
  const risks = group(LEXICON_RISKS, raw.risks)
  return {
    intents,
    risks,
    ignore: (raw.ignore ?? []).map(compileTerm),
    patterns: { caseId: rx(raw.patterns.caseId), orderNumber: rx(raw.patterns.orderNumber), phoneTail: rx(raw.patterns.phoneTail), link: rx(raw.patterns.link) },
    byLead: { intents: leadIndex(intents), risks: leadIndex(risks) },
  }
}

/** A message text prepared once for all lookups. */
export interface PreparedText {
  normalized: string
  tokens: readonly Token[]
  /** every code unit of `normalized`: most of the lexicon's terms are ruled out by their first one */
  units: ReadonlySet<string>
}

export function prepareText(text: string): PreparedText {
  const normalized = normalizeText(text)
  const units = new Set<string>()
  for (let i = 0; i < normalized.length; i++) units.add(normalized[i]!)
  return { normalized, tokens: segmentTokens(normalized), units }
}

/** A character range of the normalized text. */
export interface Span {
  start: number
  end: number
}

// A single character ("包", "药", "病") only counts as a whole word: "包" must not match "包裹".
const gluable = (s: string): boolean => [...s].length >= 2

/**
 * Where a term occurs. A term matches when its tokens appear as a contiguous run of the text's
 * tokens. ICU's dictionary does not know our domain words and sometimes glues a term to its
 * neighbour ("修好了吗" → 修|好了吗), so a term of two or more characters may also sit inside one
 * longer token, and the outer tokens of a multi-token run may be glued to their neighbours; the
 * inner boundaries must still agree, which keeps "在家" out of "现在|家里".
 */
export function findTerm(t: PreparedText, term: Term): Span[] {
  if (term.lead !== '' && !t.units.has(term.lead)) return []
  if (term.latin) return [...t.normalized.matchAll(term.latin)].map((m) => ({ start: m.index, end: m.index + m[0].length }))
  if (term.tokens.length === 0) {
    const at = t.normalized.indexOf(term.text)
    return at < 0 ? [] : [{ start: at, end: at + term.text.length }]
  }
  // Either match below needs the term, or every one of its tokens, somewhere in the text: most
  // terms are not in a given message, and this answers them without walking the tokens (matching
  // was the largest share of deciding a message in the benchmark's profile).
  const { normalized } = t
  if (!normalized.includes(term.text) && !term.tokens.every((x) => normalized.includes(x))) return []
  const out: Span[] = []
  const { tokens } = t
  const k = term.tokens.length
  const first = term.tokens[0]!
  const last = term.tokens[k - 1]!
  const glueTerm = gluable(term.text)
  const glueFirst = gluable(first)
  const glueLast = gluable(last)
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!
    const inside = tok.text === term.text ? 0 : glueTerm ? tok.text.indexOf(term.text) : -1
    if (inside >= 0) out.push({ start: tok.start + inside, end: tok.start + inside + term.text.length })
    if (k < 2 || i + k > tokens.length) continue
    let contiguous = true
    let middle = true
    for (let j = 1; j < k; j++) {
      if (tokens[i + j]!.start !== tokens[i + j - 1]!.end) contiguous = false
      if (j < k - 1 && tokens[i + j]!.text !== term.tokens[j]) middle = false
    }
    const head = tok.text === first || (glueFirst && tok.text.endsWith(first))
    const lastTok = tokens[i + k - 1]!
    const tail = lastTok.text === last || (glueLast && lastTok.text.startsWith(last))
    if (contiguous && head && tail && middle) out.push({ start: tok.end - first.length, end: lastTok.start + last.length })
  }
  return out
}

interface Hit<K> extends Span {
  key: K
  term: string
}

/**
 * Every occurrence of every term, in the group's order. Only terms whose first code unit is in
 * the text are tried (a dozen or two of the 400-odd terms): trying each term on each message was
 * the largest share of understanding in the benchmark's profile.
 */
function hitsOf<K>(t: PreparedText, index: LeadIndex<K>): Hit<K>[] {
  const candidates: Array<{ key: K; term: Term; order: number }> = [...(index.byLead.get('') ?? [])]
  for (const unit of t.units) {
    const list = index.byLead.get(unit)
    if (list) for (const c of list) candidates.push(c)
  }
  candidates.sort((a, b) => a.order - b.order)
  const out: Hit<K>[] = []
  for (const { key, term } of candidates) for (const s of findTerm(t, term)) out.push({ ...s, key, term: term.text })
  return out
}

/**
 * Drops a hit when a longer hit of another group (or an ignore phrase) covers it: "已上传" is a
 * completion, not the request word "上传"; "好了吗" is a question, not the claim "好了".
 */
function unshadowed<K>(hits: readonly Hit<K>[], ignore: readonly Span[]): Map<K, string[]> {
  const covers = (a: Span, b: Span) => a.start <= b.start && b.end <= a.end && a.end - a.start > b.end - b.start
  const out = new Map<K, string[]>()
  for (const h of hits) {
    if (ignore.some((s) => covers(s, h)) || hits.some((o) => o.key !== h.key && covers(o, h))) continue
    const list = out.get(h.key) ?? []
    if (!list.includes(h.term)) list.push(h.term)
    out.set(h.key, list)
  }
  return out
}

/** The intent and risk terms a text contains, after shadowing, with implied risks added. */
export function matchLexicon(t: PreparedText, lexicon: CompiledLexicon): { intents: Map<LexiconIntent, string[]>; risks: Map<LexiconRisk, string[]> } {
  const ignore = lexicon.ignore.flatMap((term) => findTerm(t, term))
  const intents = unshadowed(hitsOf(t, lexicon.byLead.intents), ignore)
  const risks = unshadowed(hitsOf(t, lexicon.byLead.risks), ignore)
  for (const [intent, risk] of Object.entries(INTENT_IMPLIES_RISK) as [LexiconIntent, LexiconRisk][]) {
    const terms = intents.get(intent)
    if (terms) risks.set(risk, [...new Set([...(risks.get(risk) ?? []), ...terms])])
  }
  return { intents, risks }
}
