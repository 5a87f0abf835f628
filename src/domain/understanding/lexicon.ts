import { normalizeText } from './normalize-text.js'
import { segmentWords } from './segment-words.js'

/** A lexicon term prepared for matching. */
interface Term {
  text: string
  tokens: string[]
  latin: boolean
}

export interface CompiledLexicon<I extends string = string, R extends string = string> {
  intents: ReadonlyMap<I, Term[]>
  risks: ReadonlyMap<R, Term[]>
  patterns: { caseId: RegExp[]; orderNumber: RegExp[]; phoneTail: RegExp[]; link: RegExp[] }
}

export interface RawLexicon {
  intents: Record<string, string[]>
  risks: Record<string, string[]>
  patterns: { caseId: string[]; orderNumber: string[]; phoneTail: string[]; link: string[] }
}

function compileTerm(raw: string): Term {
  const text = normalizeText(raw)
  return { text, tokens: segmentWords(text), latin: /^[\x20-\x7e]+$/.test(text) }
}

export function compileLexicon<I extends string, R extends string>(raw: RawLexicon): CompiledLexicon<I, R> {
  const compileGroup = (g: Record<string, string[]>) => new Map(Object.entries(g).map(([k, v]) => [k, v.map(compileTerm)]))
  const rx = (list: string[]) => list.map((s) => new RegExp(s, 'giu'))
  return {
    intents: compileGroup(raw.intents) as Map<I, Term[]>,
    risks: compileGroup(raw.risks) as Map<R, Term[]>,
    patterns: { caseId: rx(raw.patterns.caseId), orderNumber: rx(raw.patterns.orderNumber), phoneTail: rx(raw.patterns.phoneTail), link: rx(raw.patterns.link) },
  }
}

/** A text prepared once for all lookups. */
export interface PreparedText {
  normalized: string
  tokens: string[]
}

export function prepareText(text: string): PreparedText {
  const normalized = normalizeText(text)
  return { normalized, tokens: segmentWords(normalized) }
}

/**
 * Whether a term occurs: as a contiguous run of word tokens, or — for Chinese terms of two or
 * more characters — inside a longer token the segmenter glued together (its dictionary does not
 * know our domain words). One-character Chinese terms ("药", "病") must be whole words, so that
 * "包裹" never matches "包". Latin terms match whole words only.
 */
export function termMatches(t: PreparedText, term: Term): boolean {
  if (term.tokens.length === 0) return t.normalized.includes(term.text)
  if (runMatches(t.tokens, term.tokens)) return true
  if (term.latin) return new RegExp(`(^|[^a-z0-9])${escapeRegExp(term.text)}($|[^a-z0-9])`, 'u').test(t.normalized)
  return [...term.text].length >= 2 && t.normalized.includes(term.text)
}

function runMatches(tokens: readonly string[], run: readonly string[]): boolean {
  outer: for (let i = 0; i + run.length <= tokens.length; i++) {
    for (let j = 0; j < run.length; j++) if (tokens[i + j] !== run[j]) continue outer
    return true
  }
  return false
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Every term of a group that occurs in the text. */
export function matchedTerms(t: PreparedText, terms: readonly Term[] | undefined): string[] {
  return (terms ?? []).filter((term) => termMatches(t, term)).map((term) => term.text)
}
