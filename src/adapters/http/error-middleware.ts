import type { Middleware } from 'koa'
import { AppError, isAppError } from '../../app/errors.js'
import type { Logger } from '../../app/ports.js'

/** First middleware: maps AppError (and anything else) to a JSON body; never leaks stacks. */
export function errorMiddleware(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next()
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new AppError('not_found', `no route for ${ctx.method} ${ctx.path}`)
      }
    } catch (err) {
      if (isAppError(err)) {
        ctx.status = err.status
        // details both spread (the original shape) and nested under `details` (the API contract)
        const details = Object.keys(err.details).length > 0 ? { details: err.details } : {}
        ctx.body = { error: { code: err.code, message: err.message, ...err.details, ...details } }
        return
      }
      const status = (err as { status?: number; expose?: boolean }).status
      if (typeof status === 'number' && status >= 400 && status < 500) {
        // koa-bodyparser and ctx.throw raise plain HttpErrors for malformed requests
        ctx.status = status
        // a body the parser refused (malformed JSON, too large) is about the body as a whole
        const type = (err as { type?: unknown }).type
        const body = typeof type === 'string' && type.startsWith('entity.') ? { field: '(body)' } : undefined
        ctx.body = { error: { code: 'bad_request', message: (err as Error).message, ...body, ...(body ? { details: body } : {}) } }
        return
      }
      log.error({ err: { message: (err as Error).message, stack: (err as Error).stack }, path: ctx.path }, 'unhandled HTTP error')
      ctx.status = 500
      ctx.body = { error: { code: 'internal', message: 'internal error' } }
    }
  }
}
