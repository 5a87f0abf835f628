import { createHash, timingSafeEqual } from 'node:crypto'
import type { Middleware } from 'koa'
import { API_ROLES, type ApiRole, type ApiToken } from '../../config/api-tokens.js'
import { AppError } from '../../app/errors.js'

const digest = (s: string) => createHash('sha256').update(s).digest()

/**
 * Bearer-token authentication. Tokens are compared in constant time (over fixed-length
 * digests) and never logged; the caller's name and role are put on ctx.state.
 */
export function requireRole(tokens: readonly ApiToken[], min: ApiRole): Middleware {
  const known = tokens.map((t) => ({ ...t, hash: digest(t.token) }))
  return async (ctx, next) => {
    const header = ctx.get('authorization')
    const m = /^Bearer\s+(\S+)$/i.exec(header)
    if (!m) throw new AppError('unauthorized', 'a bearer token is required')
    const presented = digest(m[1]!)
    let match: (typeof known)[number] | undefined
    for (const t of known) if (timingSafeEqual(t.hash, presented)) match = t
    if (!match) throw new AppError('unauthorized', 'unknown token')
    if (API_ROLES.indexOf(match.role) < API_ROLES.indexOf(min)) throw new AppError('forbidden', `needs role ${min}`, { need: min })
    ctx.state['caller'] = { name: match.name, role: match.role }
    await next()
  }
}
