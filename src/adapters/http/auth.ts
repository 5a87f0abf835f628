import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context, Middleware } from 'koa'
import { API_ROLES, type ApiRole, type ApiToken } from '../../config/api-tokens.js'
import { AppError } from '../../app/errors.js'
import type { Directory } from '../../app/directory.js'

/** The cookie the browser console and /admin/queues authenticate with (httpOnly, SameSite=Strict). */
export const TOKEN_COOKIE = 'baton_token'

/** Who called, as put on ctx.state.caller by requireRole. */
export interface Caller {
  name: string
  role: ApiRole
}

const digest = (s: string) => createHash('sha256').update(s).digest()

/** Resolves presented tokens in constant time (over fixed-length digests); tokens are never logged. */
export class TokenBook {
  private readonly known: Array<ApiToken & { hash: Buffer }>

  constructor(tokens: readonly ApiToken[]) {
    this.known = tokens.map((t) => ({ ...t, hash: digest(t.token) }))
  }

  find(presented: string): Caller | undefined {
    const hash = digest(presented)
    let match: (typeof this.known)[number] | undefined
    // every entry is compared, so timing does not tell which one matched
    for (const t of this.known) if (timingSafeEqual(t.hash, hash)) match = t
    return match ? { name: match.name, role: match.role } : undefined
  }
}


/** The token a request presents: the bearer header first, then the cookie. */
function presentedToken(ctx: Context): string | undefined {
  const header = ctx.get('authorization')
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header)
    if (!m) throw new AppError('unauthorized', 'malformed Authorization header; expected "Bearer <token>"')
    return m[1]!
  }
  return ctx.cookies.get(TOKEN_COOKIE) || undefined
}

export function atLeast(role: ApiRole, min: ApiRole): boolean {
  return API_ROLES.indexOf(role) >= API_ROLES.indexOf(min)
}

/**
 * Authenticates by `Authorization: Bearer <token>` or the `baton_token` cookie and checks the
 * role: 401 without a known token, 403 below `min`. The caller is put on ctx.state.caller.
 */
export function requireRole(tokens: readonly ApiToken[] | TokenBook, min: ApiRole): Middleware {
  const book = tokens instanceof TokenBook ? tokens : new TokenBook(tokens)
  return async (ctx, next) => {
    const token = presentedToken(ctx)
    if (!token) throw new AppError('unauthorized', 'a bearer token or the baton_token cookie is required')
    const caller = book.find(token)
    if (!caller) throw new AppError('unauthorized', 'unknown token')
    if (!atLeast(caller.role, min)) throw new AppError('forbidden', `needs role ${min}`, { need: min })
    ctx.state['caller'] = caller
    await next()
  }
}

/** The caller requireRole authenticated. */
export function callerOf(ctx: Context): Caller {
  const caller = ctx.state['caller'] as Caller | undefined
  if (!caller) throw new AppError('unauthorized', 'not authenticated')
  return caller
}

/** The actor recorded in the evidence trail and as decidedBy for writes made through the API. */
export function apiActor(caller: Caller): string {
  return `api:${caller.name}`
}

/**
 * A token named after a configured handler or supervisor acts as that person (their WeCom id is
 * recorded, and a case they take is theirs, so reminders reach a real person); any other token
 * has no person. The role still comes from the token.
 */
export function staffPersonOf(ctx: Context, directory: Directory): ReturnType<Directory['person']> {
  const caller = callerOf(ctx)
  return directory.hasRole(caller.name, 'handler', 'supervisor') ? directory.person(caller.name) : undefined
}

/** Who acted, for writes made through the API: the staff member's id, else `api:<token name>`. */
export function actorIdOf(ctx: Context, directory: Directory): string {
  return staffPersonOf(ctx, directory)?.id ?? apiActor(callerOf(ctx))
}
