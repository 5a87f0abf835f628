import type { ZodType, ZodTypeDef } from 'zod'
import { AppError } from '../../app/errors.js'

/** Validates a request body or query; 400 names the first offending field. */
export function validate<T>(schema: ZodType<T, ZodTypeDef, unknown>, input: unknown): T {
  const parsed = schema.safeParse(input ?? {})
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(body)'
  throw new AppError('bad_request', `${field}: ${issue?.message ?? 'invalid'}`, {
    field,
    issues: parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })),
  })
}
