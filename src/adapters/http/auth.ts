import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context, Middleware } from 'koa'
import { API_ROLES, type ApiRole, type ApiToken } from '../../config/api-tokens.js'
import { AppError } from '../../app/errors.js'
import type { Directory } from '../../app/directory.js'
import type { ConsoleSessions } from './console-sessions.js'

/**
 * The cookie the browser console and /admin/queues authenticate with (httpOnly, SameSite=Strict):
 * a server-side session id (console-sessions.ts), never the API token itself.
 */
export const SESSION_COOKIE = 'baton_session'

/** Who called, as put on ctx.state.caller by requireRole. */
export interface Caller {
  name: string
  role: ApiRole
}

const digest = (s: string) => createHash('sha256').update(s).digest()

/** Resolves presented tokens in constant time (over fixed-length digests); tokens are never logged. */
export class TokenBook {
  private readonly known: Array<ApiToken & { hash: Buffer }>

  /** `sessions`: where the console's cookie sessions live; without it only bearer tokens work. */
  constructor(
    tokens: readonly ApiToken[],
    readonly sessions?: ConsoleSessions,
  ) {
    this.known = tokens.map((t) => ({ ...t, hash: digest(t.token) }))
  }

  find(presented: string): Caller | undefined {
    return this.byHash(digest(presented))
  }

  /** The caller whose token has this SHA-256 (hex), as a session stored it. */
  findByDigest(hex: string): Caller | undefined {
    return /^[0-9a-f]{64}$/.test(hex) ? this.byHash(Buffer.from(hex, 'hex')) : undefined
  }

  private byHash(hash: Buffer): Caller | undefined {
    let match: (typeof this.known)[number] | undefined
    // every entry is compared, so timing does not tell which one matched
    for (const t of this.known) if (timingSafeEqual(t.hash, hash)) match = t
    return match ? { name: match.name, role: match.role } : undefined
  }
}

/** Who a request is: by the bearer header first, else by the session cookie. */
async function presentedCaller(ctx: Context, book: TokenBook): Promise<Caller | undefined> {
  const header = ctx.get('authorization')
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header)
    if (!m) throw new AppError('unauthorized', 'malformed Authorization header; expected "Bearer <token>"')
    const caller = book.find(m[1]!)
    if (!caller) throw new AppError('unauthorized', 'unknown token')
    return caller
  }
  const session = ctx.cookies.get(SESSION_COOKIE)
  if (!session) return undefined
  const tokenDigest = await book.sessions?.resolve(session)
  // a session whose token was since removed or rotated ends with it
  const caller = tokenDigest ? book.findByDigest(tokenDigest) : undefined
  if (!caller) throw new AppError('unauthorized', 'session expired or logged out; log in again')
  return caller
}

export function atLeast(role: ApiRole, min: ApiRole): boolean {
  return API_ROLES.indexOf(role) >= API_ROLES.indexOf(min)
}

/**
 * Authenticates by `Authorization: Bearer <token>` or the `baton_session` cookie and checks the
 * role: 401 without a known token or live session, 403 below `min`. The caller is put on
 * ctx.state.caller.
 */
export function requireRole(tokens: readonly ApiToken[] | TokenBook, min: ApiRole): Middleware {
  const book = tokens instanceof TokenBook ? tokens : new TokenBook(tokens)
  return async (ctx, next) => {
    const caller = await presentedCaller(ctx, book)
    if (!caller) throw new AppError('unauthorized', `a bearer token or the ${SESSION_COOKIE} cookie is required`)
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
