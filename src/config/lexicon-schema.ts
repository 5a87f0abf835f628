import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { z } from 'zod'
import { INTENTS, RISK_FLAGS } from '../domain/types.js'
import { ConfigError, formatZodIssues } from './format-issues.js'

const terms = z.array(z.string().min(1)).default([])
const regex = z.string().refine((s) => {
  try {
    new RegExp(s, 'iu')
    return true
  } catch {
    return false
  }
}, 'expected a valid regular expression')

const TEXT_INTENTS = INTENTS.filter((i) => i !== 'unknown')
const TEXT_RISKS = RISK_FLAGS.filter((f) => ['commitment', 'compensation', 'complaint', 'privacy', 'sensitive_claim', 'verification_conflict'].includes(f))

export const lexiconSchema = z
  .object({
    intents: z.object(Object.fromEntries(TEXT_INTENTS.map((i) => [i, terms])) as Record<(typeof TEXT_INTENTS)[number], typeof terms>).strict(),
    risks: z.object(Object.fromEntries(TEXT_RISKS.map((r) => [r, terms])) as Record<(typeof TEXT_RISKS)[number], typeof terms>).strict(),
    patterns: z
      .object({
        caseId: z.array(regex).default([]),
        orderNumber: z.array(regex).default([]),
        phoneTail: z.array(regex).default([]),
        link: z.array(regex).default([]),
      })
      .strict(),
  })
  .strict()

export type LexiconFile = z.infer<typeof lexiconSchema>

export function loadLexicon(path: string): LexiconFile {
  let raw: unknown
  try {
    raw = parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new ConfigError([`${path}: (file) — cannot be read or parsed: ${(err as Error).message.split('\n')[0]}`])
  }
  const parsed = lexiconSchema.safeParse(raw)
  if (!parsed.success) throw new ConfigError(formatZodIssues(path, parsed.error.issues))
  return parsed.data
}
