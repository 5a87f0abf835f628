import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import type { z } from 'zod'
import { ConfigError, formatZodIssues } from './format-issues.js'

/**
 * Reads a YAML config file and validates it: a file that cannot be read or parsed, or that does
 * not fit the schema, throws a ConfigError with one `<file>: <path> — <expected>` line per problem.
 * An empty file is validated as `{}`.
 */
export function readYamlConfig<S extends z.ZodTypeAny>(path: string, schema: S): z.output<S> {
  let raw: unknown
  try {
    raw = parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new ConfigError([`${path}: (file) — cannot be read or parsed: ${(err as Error).message.split('\n')[0]}`])
  }
  const parsed = schema.safeParse(raw ?? {})
  if (!parsed.success) throw new ConfigError(formatZodIssues(path, parsed.error.issues))
  return parsed.data as z.output<S>
}
