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

interface PreparedCustomer {
  key: string
  /** name and aliases, normalized */
  names: string[]
  /** order numbers in upper case */
  orders: string[]
  phoneTail?: string
}

/**
 * The directory's customers with names normalized and order numbers upper-cased once per list
 * instead of once per message (for 180 customers that was most of reading a message's
 * references in the benchmark's profile). Keyed by the list itself: a new directory is a new list.
 */
const preparedLists = new WeakMap<readonly CustomerRef[], PreparedCustomer[]>()
function preparedCustomers(customers: readonly CustomerRef[]): PreparedCustomer[] {
  let list = preparedLists.get(customers)
  if (!list) {
    list = customers.map((c) => ({
      key: c.key,
      names: [c.name, ...c.aliases].map(normalizeText).filter((n) => n.length > 0),
      orders: c.orderNumbers.map((o) => o.toUpperCase()),
      ...(c.phoneTail !== undefined ? { phoneTail: c.phoneTail } : {}),
    }))
    preparedLists.set(customers, list)
  }
  return list
}

// module level, not inside containsName: called for every name of every customer on every message
const isWord = (c: string | undefined): boolean => c !== undefined && /[a-z0-9]/.test(c)

// A latin alias ("ms li") needs word boundaries; a Chinese name ("老张") is found anywhere.
function containsName(haystack: string, needle: string): boolean {
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

  const caseIds = captures(text, lexicon.patterns.caseId)
    .map(Number)
    .filter((n) => Number.isSafeInteger(n) && n > 0)
  // order numbers are compared and stored in their canonical upper case
  const orderNumbers = [...new Set(captures(text, lexicon.patterns.orderNumber).map((o) => o.toUpperCase()))]
  const phoneTails = captures(text, lexicon.patterns.phoneTail)
  const customerKeys = preparedCustomers(customers)
    .filter((c) => c.names.some((n) => containsName(text, n)) || c.orders.some((o) => orderNumbers.includes(o)) || (c.phoneTail !== undefined && phoneTails.includes(c.phoneTail)))
    .map((c) => c.key)
  return { caseIds: [...new Set(caseIds)], orderNumbers, customerKeys, phoneTails, mentionIds: [...new Set(mentionIds)], links }
}
