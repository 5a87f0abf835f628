import Router from '@koa/router'
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi'
import type { Context } from 'koa'
import { AppError } from '../../app/errors.js'
import { callerOf, requireRole, SESSION_COOKIE, type TokenBook } from './auth.js'
import { caller, sessionBody } from './api-schemas.js'
import { sha256Hex, type ConsoleSessions } from './console-sessions.js'
import type { LoginThrottle } from './login-throttle.js'
import { errorResponses, SECURED } from './openapi.js'
import { validate } from './validate.js'

export interface SessionRouteDeps {
  tokens: TokenBook
  sessions: ConsoleSessions
  throttle: LoginThrottle
}

/**
 * Cookie login for the browser console and /admin/queues: POST /session with a token opens a
 * server-side session and sets its id in the httpOnly, SameSite=Strict `baton_session` cookie
 * (`Secure` when the request came over TLS, directly or through a trusted proxy); DELETE revokes
 * it; GET /me says who you are. Failed logins are limited per client address.
 */
export function sessionRoutes(deps: SessionRouteDeps): Router {
  const router = new Router({ prefix: '/api/v1' })
  const cookie = (ctx: Context) => ({ httpOnly: true, sameSite: 'strict' as const, path: '/', secure: ctx.secure, overwrite: true })
  router.post('/session', async (ctx) => {
    // counted before the token is looked at: a blocked address learns nothing about its guesses
    const turn = await deps.throttle.attempt(ctx.ip)
    if (!turn.ok) {
      const retryAfterSeconds = Math.max(1, Math.ceil(turn.retryAfterMs / 1000))
      ctx.set('Retry-After', String(retryAfterSeconds))
      throw new AppError('too_many_requests', `too many login attempts from this address; try again in ${retryAfterSeconds} s`, { retryAfterSeconds })
    }
    const body = validate(sessionBody, ctx.request.body)
    const who = deps.tokens.find(body.token)
    if (!who) throw new AppError('unauthorized', 'unknown token')
    await deps.throttle.succeeded(ctx.ip)
    const id = await deps.sessions.open(sha256Hex(body.token))
    ctx.cookies.set(SESSION_COOKIE, id, { ...cookie(ctx), maxAge: deps.sessions.cookieMaxAgeMs })
    ctx.body = who
  })
  router.delete('/session', async (ctx) => {
    const id = ctx.cookies.get(SESSION_COOKIE)
    if (id) await deps.sessions.revoke(id)
    ctx.cookies.set(SESSION_COOKIE, null, cookie(ctx))
    ctx.status = 204
  })
  router.get('/me', requireRole(deps.tokens, 'viewer'), (ctx) => {
    ctx.body = callerOf(ctx)
  })
  return router
}

export function registerSessionPaths(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/api/v1/session',
    summary: 'Log in with a token: opens a session and sets its id in the baton_session cookie (httpOnly, SameSite=Strict; Secure over TLS). Failed logins are limited per address (429)',
    tags: ['auth'],
    request: { body: { content: { 'application/json': { schema: sessionBody } } } },
    responses: { 200: { description: "the token's name and role", content: { 'application/json': { schema: caller } } }, ...errorResponses(400, 401, 429) },
  })
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/session',
    summary: 'Log out: revokes the session and clears the cookie',
    tags: ['auth'],
    responses: { 204: { description: 'revoked' } },
  })
  registry.registerPath({
    method: 'get',
    path: '/api/v1/me',
    summary: 'Who the presented token or session (bearer or cookie) belongs to',
    tags: ['auth'],
    security: SECURED,
    responses: { 200: { description: 'name and role', content: { 'application/json': { schema: caller } } }, ...errorResponses(401) },
  })
}
