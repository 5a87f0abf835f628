import Router from '@koa/router'
import type { Middleware } from 'koa'
import { AppError } from '../../app/errors.js'

/**
 * A named dependency check: resolves when healthy, rejects with the reason otherwise. It may
 * resolve with details; `degraded: true` among them means "working, but not normally" (e.g.
 * messages waiting in the local spool): still ready (200), status `degraded`. A rejection whose
 * error carries `degraded: true` is a part that is down without stopping Baton's work (Redis:
 * messages are still recorded and decided): `ok: false`, named under `degraded`, still 200.
 */
export type ReadinessCheck = () => Promise<void | ({ degraded?: boolean } & Record<string, unknown>)>

/** `/healthz`: the process is alive. `/readyz`: every dependency answers, else 503 naming it. */
export function healthRoutes(checks: Record<string, ReadinessCheck>): Router {
  const router = new Router()
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' }
  })
  router.get('/readyz', async (ctx) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          const details = await withTimeout(check(), 2000)
          return [name, { ok: true, ...(details ?? {}) }] as const
        } catch (err) {
          const details = (err as { details?: Record<string, unknown> }).details
          const soft = (err as { degraded?: unknown }).degraded === true
          return [name, { ok: false, error: (err as Error).message, ...(soft ? { degraded: true } : {}), ...(details ?? {}) }] as const
        }
      }),
    )
    const isDegraded = (r: object): boolean => 'degraded' in r && r.degraded === true
    const failing = results.filter(([, r]) => !r.ok && !isDegraded(r)).map(([name]) => name)
    const degraded = results.filter(([, r]) => isDegraded(r)).map(([name]) => name)
    ctx.status = failing.length === 0 ? 200 : 503
    ctx.body = { status: failing.length > 0 ? 'not_ready' : degraded.length > 0 ? 'degraded' : 'ready', failing, ...(degraded.length > 0 ? { degraded } : {}), checks: Object.fromEntries(results) }
  })
  return router
}

/** A dependency start-up waits for, as /readyz shows it meanwhile. */
export interface StartupDependency {
  key: string
  name: string
  /** host:port, never credentials */
  address: string
  state: 'waiting' | 'ready'
  attempts: number
  lastError: string | null
  /** ISO-8601: when the wait began */
  since: string
}

const waitingFor = (deps: readonly StartupDependency[]) => deps.filter((d) => d.state !== 'ready')

/**
 * Health while start-up still waits for its dependencies: `/healthz` says the process is alive,
 * `/readyz` is a 503 naming what it waits for (and why the last attempt failed).
 */
export function startingHealthRoutes(report: () => readonly StartupDependency[]): Router {
  const router = new Router()
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok', starting: true }
  })
  router.get('/readyz', (ctx) => {
    const deps = report()
    ctx.status = 503
    ctx.body = {
      status: 'starting',
      failing: waitingFor(deps).map((d) => d.key),
      checks: Object.fromEntries(
        deps.map(({ key, ...d }) => [key, { ok: d.state === 'ready', ...d, ...(d.state === 'ready' ? {} : { error: `waiting for ${d.name} at ${d.address}${d.lastError ? `: ${d.lastError}` : ''}` }) }]),
      ),
    }
  })
  return router
}

/** Everything but the health routes is a 503 while start-up waits: the API needs what is awaited. */
export function startingGate(report: () => readonly StartupDependency[]): Middleware {
  return async (ctx, next) => {
    if (ctx.path === '/healthz' || ctx.path === '/readyz') return next()
    const names = waitingFor(report()).map((d) => `${d.name} at ${d.address}`)
    throw new AppError('dependency_down', `Baton is starting${names.length > 0 ? `: waiting for ${names.join(' and ')}` : ''}`, { waitingFor: waitingFor(report()).map((d) => d.key) })
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    )
  })
}
