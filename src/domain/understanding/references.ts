import type { CompiledLexicon } from './lexicon.js'

export interface CustomerRef {
  key: string
  name: string
  aliases: string[]
  orderNumbers: string[]
  phoneTail?: string
}

export interface References {
  caseIds: number[]
  orderNumbers: string[]
  customerKeys: string[]
  phoneTails: string[]
  mentionIds: string[]
  links: string[]
}

function captures(text: string, patterns: readonly RegExp[]): string[] {
  const out: string[] = []
  for (const p of patterns) {
    p.lastIndex = 0
    for (const m of text.matchAll(p)) out.push(m[1] ?? m[0])
  }
  return [...new Set(out)]
}

/** Case ids, order numbers, customers (by name, alias, order or phone tail), mentions and links. */
export function extractReferences(rawText: string, normalized: string, mentionIds: readonly string[], lexicon: CompiledLexicon, customers: readonly CustomerRef[]): References {
  // order numbers keep their case: match on the NFKC text, not the lower-cased one
  const nfkc = rawText.normalize('NFKC')
  const caseIds = captures(normalized, lexicon.patterns.caseId).map(Number).filter((n) => Number.isSafeInteger(n) && n > 0)
  const orderNumbers = captures(nfkc, lexicon.patterns.orderNumber).map((o) => o.toUpperCase())
  const phoneTails = captures(normalized, lexicon.patterns.phoneTail)
  const links = captures(nfkc, lexicon.patterns.link)
  const customerKeys = customers
    .filter(
      (c) =>
        [c.name, ...c.aliases].some((n) => n.length > 0 && nfkc.includes(n)) ||
        c.orderNumbers.some((o) => orderNumbers.includes(o.toUpperCase())) ||
        (c.phoneTail !== undefined && phoneTails.includes(c.phoneTail)),
    )
    .map((c) => c.key)
  return { caseIds: [...new Set(caseIds)], orderNumbers, customerKeys, phoneTails, mentionIds: [...mentionIds], links }
}
