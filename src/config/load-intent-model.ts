import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { compileIntentModel, intentModelHashInput, type IntentModel } from '../domain/understanding/intent-model.js'
import { ConfigError, formatZodIssues } from './format-issues.js'

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64')

const intentModelSchema = z
  .object({
    format: z.literal(1),
    version: z.string().min(1),
    hash: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest'),
    trainedOn: z.object({ examples: z.number().int().nonnegative(), perLabel: z.record(z.number().int().nonnegative()) }).strict(),
    labels: z.array(z.string().min(1)).min(1),
    features: z
      .object({
        buckets: z
          .number()
          .int()
          .positive()
          .refine((n) => (n & (n - 1)) === 0, 'expected a power of two'),
        ngramMin: z.number().int().min(1),
        ngramMax: z.number().int().min(1).max(8),
        maxChars: z.number().int().positive(),
      })
      .strict(),
    rows: base64,
    weights: base64,
  })
  .strict()

/**
 * Reads the trained intent model, validates its shape and recomputes its hash, so a model that was
 * edited by hand or truncated in transit is refused instead of silently misclassifying.
 */
export function loadIntentModel(path: string): IntentModel {
  const model = parseIntentModel(readModelFile(path), path)
  const actual = createHash('sha256').update(intentModelHashInput(model)).digest('hex')
  if (actual !== model.hash) throw new ConfigError([`${path}: hash — the weights do not match the recorded hash (file changed after training?); run npm run train`])
  try {
    compileIntentModel(model)
  } catch (err) {
    throw new ConfigError([`${path}: weights — ${(err as Error).message}`])
  }
  return model
}

function readModelFile(path: string): unknown {
  let source: string
  try {
    source = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError([`${path}: (file) — cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`])
  }
  try {
    return JSON.parse(source) as unknown
  } catch (err) {
    throw new ConfigError([`${path}: (file) — invalid JSON: ${(err as Error).message}`])
  }
}

function parseIntentModel(data: unknown, path: string): IntentModel {
  // A newer trainer's format must not be read as this one: say so instead of listing field errors.
  const format = (data as { format?: unknown } | null)?.format
  if (format !== 1) throw new ConfigError([`${path}: format — expected intent model format 1, got ${JSON.stringify(format)}`])
  const parsed = intentModelSchema.safeParse(data)
  if (!parsed.success) throw new ConfigError(formatZodIssues(path, parsed.error.issues))
  return parsed.data
}
