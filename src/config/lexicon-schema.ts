import { z } from 'zod'
import { LEXICON_INTENTS, LEXICON_RISKS, type LexiconIntent, type LexiconRisk } from '../domain/understanding/lexicon.js'
import { normalizeText } from '../domain/understanding/normalize-text.js'
import { readYamlConfig } from './read-yaml-config.js'

const term = z.string().refine((s) => normalizeText(s).length > 0, 'expected a word or phrase (not blank, not only invisible characters)')
const terms = z.array(term).default([])
// compiled with the flags compileLexicon uses, so a pattern that loads is a pattern that runs
const regex = z.string().refine((s) => {
  try {
    new RegExp(s, 'giu')
    return true
  } catch {
    return false
  }
}, 'expected a valid regular expression (JavaScript syntax, unicode mode)')
const regexes = z.array(regex).default([])

const byKey = <K extends string>(keys: readonly K[]) => z.object(Object.fromEntries(keys.map((k) => [k, terms])) as Record<K, typeof terms>).strict()

/**
 * config/lexicon.yaml: words per intent and per risk flag (Chinese and English together),
 * phrases that shadow a shorter term, and the patterns that find references. A pattern's first
 * capture group is the value (the number of "案件12"); without one the whole match is.
 */
export const lexiconSchema = z
  .object({
    intents: byKey<LexiconIntent>(LEXICON_INTENTS),
    risks: byKey<LexiconRisk>(LEXICON_RISKS),
    ignore: terms,
    patterns: z.object({ caseId: regexes, orderNumber: regexes, phoneTail: regexes, link: regexes }).strict(),
  })
  .strict()

export type LexiconFile = z.infer<typeof lexiconSchema>

/** Reads and validates a lexicon file; a bad file fails with the path inside it and what was expected. */
export function loadLexicon(path: string): LexiconFile {
  return readYamlConfig(path, lexiconSchema)
}
