import type { Context, Middleware } from 'koa'
import { AppError } from '../../app/errors.js'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const BEARER = /^Bearer\s+\S+$/i

/** Fetch metadata values that mean "one of our own pages" (`none`: the user typed or bookmarked it). */
const OWN_SITE = new Set(['same-origin', 'none'])

/** The scheme+host+port of a URL-like header value, or undefined when it is not one (`null`, garbage). */
function originOf(value: string): string | undefined {
  try {
    const origin = new URL(value).origin
    return origin === 'null' ? undefined : origin
  } catch {
    return undefined
  }
}

/**
 * Why a write is not from one of our own pages, or undefined when it is. Sec-Fetch-Site is
 * trusted first (browsers set it and pages cannot); without it (older browsers, plain HTTP
 * off localhost) the Origin header, else the Referer, must equal our own origin. `ctx.origin`
 * reads X-Forwarded-Proto/Host only when `app.proxy` trusts a proxy.
 */
export function crossOriginReason(ctx: Context): string | undefined {
  const site = ctx.get('sec-fetch-site').toLowerCase()
  if (site) return OWN_SITE.has(site) ? undefined : `Sec-Fetch-Site is ${site}`
  const own = originOf(ctx.origin)
  const claimed = ctx.get('origin') || ctx.get('referer')
  // no browser sends a cross-site write without any of these, and without a cookie nothing is
  // ambient to abuse: a script or curl on the operator's machine (the README's sandbox examples)
  if (!claimed && !ctx.get('cookie')) return undefined
  if (!claimed) return 'a cookie without an Origin, Referer or Sec-Fetch-Site header'
  const origin = originOf(claimed)
  if (!origin || !own || origin !== own) return `origin ${origin ?? JSON.stringify(claimed.slice(0, 100))} is not ${own ?? 'this server'}`
  return undefined
}

/** True when the request carries body bytes or declares a body type. */
function hasBody(ctx: Context): boolean {
  return ctx.get('content-type') !== '' || ctx.get('transfer-encoding') !== '' || Number(ctx.get('content-length') || 0) > 0
}

/**
 * CSRF guard for every write (any method but GET/HEAD/OPTIONS), mounted before the body parser
 * so a refused request is never read or acted on:
 * - a body must be `application/json` (415 `json_required`): HTML forms and no-cors fetches can
 *   only send form, multipart and text/plain bodies, so a JSON body proves a script of an origin
 *   the browser let send it;
 * - unless it carries `Authorization: Bearer` (which a cross-site page cannot make a browser
 *   send), it must come from our own origin (403 `cross_origin`). That covers the session cookie
 *   of the console and /admin/queues, login and logout, and the sandbox, which needs no token.
 * Requests without a body (logout, bull-board's retry buttons) need only the origin check.
 */
export function sameOriginWrites(): Middleware {
  return async (ctx, next) => {
    if (SAFE_METHODS.has(ctx.method)) return next()
    if (hasBody(ctx) && ctx.request.type.trim().toLowerCase() !== 'application/json') {
      throw new AppError('json_required', `${ctx.method} ${ctx.path} takes an application/json body, not ${ctx.request.type || 'an undeclared type'}`)
    }
    if (!BEARER.test(ctx.get('authorization'))) {
      const reason = crossOriginReason(ctx)
      if (reason) {
        throw new AppError('cross_origin', `refused a ${ctx.method} from another origin (${reason}); pages of this server, or an Authorization: Bearer token, may write`)
      }
    }
    return next()
  }
}
