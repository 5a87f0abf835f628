import type { Server } from 'node:http'
import Koa, { type Middleware } from 'koa'
import bodyParser from 'koa-bodyparser'
import type Router from '@koa/router'
import { AppError } from '../../app/errors.js'
import type { Logger } from '../../app/ports.js'
import { errorMiddleware } from './error-middleware.js'

/** The Koa app: the error middleware first, a JSON body parser, then the given middleware and routers. */
export function createHttpApp(log: Logger, routers: Router[], middleware: Middleware[] = []): Koa {
  const app = new Koa()
  app.proxy = false
  app.use(errorMiddleware(log))
  app.use(
    bodyParser({
      enableTypes: ['json', 'form'],
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
