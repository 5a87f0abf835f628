import Router from '@koa/router'

/**
 * A named dependency check: resolves when healthy, rejects with the reason otherwise. It may
 * resolve with details; `degraded: true` among them means "working, but not normally" (e.g.
 * messages waiting in the local spool): still ready (200), status `degraded`.
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
          return [name, { ok: false, error: (err as Error).message, ...(details ?? {}) }] as const
        }
      }),
    )
    const failing = results.filter(([, r]) => !r.ok).map(([name]) => name)
    const degraded = results.filter(([, r]) => r.ok && 'degraded' in r && r.degraded === true).map(([name]) => name)
    ctx.status = failing.length === 0 ? 200 : 503
    ctx.body = { status: failing.length > 0 ? 'not_ready' : degraded.length > 0 ? 'degraded' : 'ready', failing, ...(degraded.length > 0 ? { degraded } : {}), checks: Object.fromEntries(results) }
  })
  return router
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
