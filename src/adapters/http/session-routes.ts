import Router from '@koa/router'
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi'
import { AppError } from '../../app/errors.js'
import { callerOf, requireRole, TOKEN_COOKIE, type TokenBook } from './auth.js'
import { caller, sessionBody } from './api-schemas.js'
import { errorResponses, SECURED } from './openapi.js'
import { validate } from './validate.js'

const TWELVE_HOURS_MS = 12 * 3600_000

/**
 * Cookie login for the browser console and /admin/queues: POST /session with a token sets the
 * httpOnly, SameSite=Strict `baton_token` cookie; DELETE clears it; GET /me says who you are.
 */
export function sessionRoutes(tokens: TokenBook): Router {
  const router = new Router({ prefix: '/api/v1' })
  router.post('/session', (ctx) => {
    const body = validate(sessionBody, ctx.request.body)
    const who = tokens.find(body.token)
    if (!who) throw new AppError('unauthorized', 'unknown token')
    ctx.cookies.set(TOKEN_COOKIE, body.token, { httpOnly: true, sameSite: 'strict', path: '/', secure: ctx.secure, maxAge: TWELVE_HOURS_MS, overwrite: true })
    ctx.body = who
  })
  router.delete('/session', (ctx) => {
    ctx.cookies.set(TOKEN_COOKIE, null, { httpOnly: true, sameSite: 'strict', path: '/', overwrite: true })
    ctx.status = 204
  })
  router.get('/me', requireRole(tokens, 'viewer'), (ctx) => {
    ctx.body = callerOf(ctx)
  })
  return router
}

export function registerSessionPaths(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/api/v1/session',
    summary: 'Log in with a token: sets the baton_token cookie (httpOnly, SameSite=Strict, 12 h)',
    tags: ['auth'],
    request: { body: { content: { 'application/json': { schema: sessionBody } } } },
    responses: { 200: { description: 'the token\'s name and role', content: { 'application/json': { schema: caller } } }, ...errorResponses(400, 401) },
  })
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/session',
    summary: 'Log out: clears the cookie',
    tags: ['auth'],
    responses: { 204: { description: 'cleared' } },
  })
  registry.registerPath({
    method: 'get',
    path: '/api/v1/me',
    summary: 'Who the presented token (bearer or cookie) belongs to',
    tags: ['auth'],
    security: SECURED,
    responses: { 200: { description: 'name and role', content: { 'application/json': { schema: caller } } }, ...errorResponses(401) },
  })
}
