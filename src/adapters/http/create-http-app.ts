import type { Server } from 'node:http'
import Koa, { type Middleware } from 'koa'
import bodyParser from 'koa-bodyparser'
import type Router from '@koa/router'
import { AppError } from '../../app/errors.js'
import type { Logger } from '../../app/ports.js'
import { errorMiddleware } from './error-middleware.js'
import { sameOriginWrites } from './same-origin.js'
import { securityHeaders } from './security-headers.js'

/**
 * The Koa app: security headers on every response, the error middleware, the same-origin/JSON
 * check on writes, a JSON body parser, then the given middleware and routers.
 */
export function createHttpApp(log: Logger, routers: Router[], middleware: Middleware[] = [], opts: { trustProxy?: boolean } = {}): Koa {
  const app = new Koa()
  // X-Forwarded-Proto/-For are believed only behind a proxy the operator named (BATON_TRUST_PROXY);
  // the client address is the one that proxy saw (the last hop), which a client cannot forge
  app.proxy = opts.trustProxy === true
  app.maxIpsCount = 1
  app.use(securityHeaders())
  app.use(errorMiddleware(log))
  app.use(sameOriginWrites())
  app.use(
    bodyParser({
      enableTypes: ['json'],
      jsonLimit: '256kb',
      // a body that does not parse (bad JSON, a bare scalar, a __proto__ key) is a 400 about the body
      onerror: (err) => {
        if ((err as { status?: number }).status === 400) throw new AppError('bad_request', `(body): ${err.message}`, { field: '(body)' })
        throw err
      },
    }),
  )
  for (const m of middleware) app.use(m)
  for (const r of routers) app.use(r.routes()).use(r.allowedMethods())
  return app
}

export function listen(app: Koa, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host)
    server.once('listening', () => resolve(server))
    server.once('error', reject)
  })
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeIdleConnections()
  })
}
