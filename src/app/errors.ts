/**
 * The one error family of Baton. `code` is stable (logs, API bodies, tests match on it);
 * `message` is English for operators; user-facing wording is looked up by code in config.
 */
export const ERROR_CODES = {
  config_invalid: 400,
  bad_request: 400,
  bad_arguments: 400,
  unauthorized: 401,
  forbidden: 403,
  cross_origin: 403,
  not_found: 404,
  conflict: 409,
  already_decided: 409,
  illegal_transition: 409,
  json_required: 415,
  leak_guard: 422,
  edit_blocked: 422,
  too_many_requests: 429,
  dependency_down: 503,
  internal: 500,
} as const

export type ErrorCode = keyof typeof ERROR_CODES

export class AppError extends Error {
  readonly code: ErrorCode
  readonly details: Readonly<Record<string, unknown>>

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message)
    this.name = 'AppError'
    this.code = code
    this.details = details
  }

  get status(): number {
    return ERROR_CODES[this.code]
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError
}
