import type { Middleware } from 'koa'
import { AppError } from '../../app/errors.js'
import { isLoopbackHost } from '../../config/sandbox-guard.js'

/** The host name of a Host header value: `[::1]:3000` → `::1`, `localhost:3000` → `localhost`. */
function hostName(header: string): string {
  const h = header.trim()
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') >= 0 ? h.indexOf(']') : undefined)
  return h.replace(/:\d+$/, '')
}

/**
 * In the sandbox every request must name this machine in its Host header. The sandbox speaks as
 * anyone (`/sandbox/say`) and its token is public; a page on another domain that resolves that
 * domain to 127.0.0.1 (DNS rebinding) is "same origin" for the browser, so only the Host it
 * sends gives it away. `*.localhost` is loopback by definition (RFC 6761).
 */
export function loopbackHostOnly(): Middleware {
  return async (ctx, next) => {
    const name = hostName(ctx.get('host')).toLowerCase()
    if (!isLoopbackHost(name) && !name.endsWith('.localhost')) {
      throw new AppError('cross_origin', `the sandbox answers only requests addressed to this machine (localhost, 127.0.0.1, [::1]), not ${JSON.stringify(name.slice(0, 100))}`)
    }
    return next()
  }
}
