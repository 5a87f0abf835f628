import type { CompiledLexicon } from './lexicon.js'
import { cleanText, normalizeText } from './normalize-text.js'

/** A customer of the directory, as far as finding them in a message needs. */
export interface CustomerRef {
  key: string
  name: string
  aliases: string[]
  orderNumbers: string[]
  phoneTail?: string
}

/** Everything a message points at. */
export interface References {
  caseIds: number[]
  orderNumbers: string[]
  customerKeys: string[]
  phoneTails: string[]
  mentionIds: string[]
  links: string[]
}

function captures(text: string, patterns: readonly RegExp[]): string[] {
  // matchAll works on a copy of each (global) regex, so the compiled lexicon is never mutated
  const out = patterns.flatMap((p) => [...text.matchAll(p)].map((m) => m[1] ?? m[0]))
  return [...new Set(out)]
}

// A latin alias ("ms li") needs word boundaries; a Chinese name ("老张") is found anywhere.
function containsName(haystack: string, name: string): boolean {
  const needle = normalizeText(name)
  if (needle.length === 0) return false
  const isWord = (c: string | undefined) => c !== undefined && /[a-z0-9]/.test(c)
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    if (!isWord(needle[0]) || !isWord(haystack[at - 1])) {
      if (!isWord(needle.at(-1)) || !isWord(haystack[at + needle.length])) return true
    }
  }
  return false
}

/**
 * Case ids, order numbers, customers (by name, alias, order number or phone tail), mentions and
 * links. Links are read first and cut out, so "…/page#12" is not case 12.
 */
export function extractReferences(rawText: string, mentionIds: readonly string[], lexicon: CompiledLexicon, customers: readonly CustomerRef[]): References {
  // links keep their case (paths are case-sensitive); trailing punctuation belongs to the sentence
  const cased = cleanText(rawText)
  const links = captures(cased, lexicon.patterns.link).map((l) => l.replace(/[.,;:!?)\]}'"]+$/, ''))
  let rest = cased
  for (const l of links) rest = rest.split(l).join(' ')
  const text = rest.toLowerCase()

  const caseIds = captures(text, lexicon.patterns.caseId).map(Number).filter((n) => Number.isSafeInteger(n) && n > 0)
  // order numbers are compared and stored in their canonical upper case
  const orderNumbers = [...new Set(captures(text, lexicon.patterns.orderNumber).map((o) => o.toUpperCase()))]
  const phoneTails = captures(text, lexicon.patterns.phoneTail)
  const customerKeys = customers
    .filter(
      (c) =>
        [c.name, ...c.aliases].some((n) => containsName(text, n)) ||
        c.orderNumbers.some((o) => orderNumbers.includes(o.toUpperCase())) ||
        (c.phoneTail !== undefined && phoneTails.includes(c.phoneTail)),
    )
    .map((c) => c.key)
  return { caseIds: [...new Set(caseIds)], orderNumbers, customerKeys, phoneTails, mentionIds: [...new Set(mentionIds)], links }
}
