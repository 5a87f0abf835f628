import { z } from 'zod'
import { SIGNALS, type RawSignals, type Signal } from '../domain/understanding/risk-signals.js'
import { readYamlConfig } from './read-yaml-config.js'

// compiled with the flags compileSignals uses, so a pattern that loads is a pattern that runs
const regex = z
  .string()
  .min(1)
  .refine((s) => {
    try {
      new RegExp(s, 'iu')
      return true
    } catch {
      return false
    }
  }, 'expected a valid regular expression (JavaScript syntax, unicode mode)')

/** config/understanding/signals.yaml: regular expressions per risk signal. */
export const signalsSchema = z.object({ signals: z.object(Object.fromEntries(SIGNALS.map((s) => [s, z.array(regex).default([])])) as Record<Signal, z.ZodDefault<z.ZodArray<typeof regex>>>).strict() }).strict()

/** Reads and validates a signals file; a bad file fails with the path inside it and what was expected. */
export function loadSignals(path: string): RawSignals {
  return readYamlConfig(path, signalsSchema).signals
}
