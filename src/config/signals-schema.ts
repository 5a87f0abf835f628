import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { z } from 'zod'
import { SIGNALS, type RawSignals, type Signal } from '../domain/understanding/risk-signals.js'
import { ConfigError, formatZodIssues } from './format-issues.js'

// compiled with the flags compileSignals uses, so a pattern that loads is a pattern that runs
const regex = z.string().min(1).refine((s) => {
  try {
    new RegExp(s, 'iu')
    return true
  } catch {
    return false
  }
}, 'expected a valid regular expression (JavaScript syntax, unicode mode)')

/** config/understanding/signals.yaml: regular expressions per risk signal. */
export const signalsSchema = z
  .object({ signals: z.object(Object.fromEntries(SIGNALS.map((s) => [s, z.array(regex).default([])])) as Record<Signal, z.ZodDefault<z.ZodArray<typeof regex>>>).strict() })
  .strict()

/** Reads and validates a signals file; a bad file fails with the path inside it and what was expected. */
export function loadSignals(path: string): RawSignals {
  let raw: unknown
  try {
    raw = parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new ConfigError([`${path}: (file) — cannot be read or parsed: ${(err as Error).message.split('\n')[0]}`])
  }
  const parsed = signalsSchema.safeParse(raw)
  if (!parsed.success) throw new ConfigError(formatZodIssues(path, parsed.error.issues))
  return parsed.data.signals
}
