import { createHash } from 'node:crypto'
import type { Middleware } from 'koa'
import helmet from 'koa-helmet'
import { PRINT_HANDLER } from './evidence-page.js'

// CSP lets an inline handler run only by its exact text ('unsafe-hashes'): the evidence page's
// print button is the one Baton has; any other injected handler stays blocked
const inlineHandlerHash = (code: string) => `'sha256-${createHash('sha256').update(code).digest('base64')}'`

/**
 * The Content-Security-Policy every response carries. It fits what Baton's pages load: the
 * console's own scripts and styles, Chart.js served locally from /console/vendor, bull-board's
 * bundled assets (its `<base href>` needs base-uri 'self'; its Google Fonts link stays blocked and
 * the system font is used), inline styles (the sandbox and evidence pages, bull-board's loader),
 * data: icons. Nothing is fetched from another origin and no page may be framed.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'unsafe-hashes'", inlineHandlerHash(PRINT_HANDLER)],
  'style-src': ["'self'", "'unsafe-inline'"],
}

/**
 * Security headers on every response (HTML, JSON, assets, errors), set by helmet (koa-helmet):
 * it keeps up with what browsers honour, and each header below is configured explicitly.
 * Referrer-Policy is `same-origin`, not helmet's `no-referrer`: under `no-referrer` Chromium sends
 * `Origin: null` on the console's own POSTs, which the same-origin check needs on plain HTTP (no
 * Sec-Fetch-Site there). HSTS is left to the TLS proxy (it knows the domain and its subdomains);
 * `upgrade-insecure-requests` is left out so a console served over plain HTTP on a LAN still loads.
 */
export function securityHeaders(): Middleware {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: false,
    xContentTypeOptions: true,
    xFrameOptions: { action: 'deny' },
  })
}
