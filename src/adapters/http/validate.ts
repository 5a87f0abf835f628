import type { ZodIssue, ZodType, ZodTypeDef } from 'zod'
import { AppError } from '../../app/errors.js'

/** The field an issue is about, dotted; an unknown key names itself; the whole body is '(body)'. */
function fieldOf(issue: ZodIssue): string {
  const path = issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined ? [...issue.path, issue.keys[0]] : issue.path
  // an empty key is shown quoted so the field is never blank
  return path.length > 0 ? path.map((p) => (p === '' ? '""' : String(p))).join('.') : '(body)'
}

/** Validates a request body or query; 400 names the first offending field. */
export function validate<T>(schema: ZodType<T, ZodTypeDef, unknown>, input: unknown): T {
  const parsed = schema.safeParse(input ?? {})
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const field = issue ? fieldOf(issue) : '(body)'
  throw new AppError('bad_request', `${field}: ${issue?.message ?? 'invalid'}`, {
    field,
    issues: parsed.error.issues.map((i) => ({ field: fieldOf(i), message: i.message })),
  })
}
