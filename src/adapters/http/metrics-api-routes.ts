import Router from '@koa/router'
import type { ApiToken } from '../../config/api-tokens.js'
import { AppError } from '../../app/errors.js'
import { computeMetrics, computeSeries, type MetricsDeps } from '../../app/metrics/compute-metrics.js'
import type { Clock } from '../../app/ports.js'
import { requireRole, type TokenBook } from './auth.js'
import { MAX_PERIOD_DAYS, metricsQuerySchema, seriesQuerySchema } from './metrics-schemas.js'
import { validate } from './validate.js'

const DAY_MS = 86_400_000

/** from/to with their defaults (the last 7 days up to now) and limits; 400 names the field. */
function period(q: { from?: string | undefined; to?: string | undefined }, now: Date): { from: Date; to: Date } {
  const to = q.to ? new Date(q.to) : now
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 7 * DAY_MS)
  if (from.getTime() >= to.getTime()) throw new AppError('bad_request', 'from: must be before to', { field: 'from' })
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) throw new AppError('bad_request', `from: the period may span at most ${MAX_PERIOD_DAYS} days`, { field: 'from' })
  return { from, to }
}

/** `GET /api/v1/metrics` and `/metrics/series` (viewer and up). */
export function metricsApiRoutes(opts: { tokens: readonly ApiToken[] | TokenBook; deps: MetricsDeps; clock: Clock; timezone: string }): Router {
  const router = new Router({ prefix: '/api/v1' })
  const viewer = requireRole(opts.tokens, 'viewer')
  router.get('/metrics', viewer, async (ctx) => {
    const q = validate(metricsQuerySchema, ctx.query)
    const now = opts.clock.now()
    ctx.body = await computeMetrics(opts.deps, { ...period(q, now), now, groupBy: q.groupBy })
  })
  router.get('/metrics/series', viewer, async (ctx) => {
    const q = validate(seriesQuerySchema, ctx.query)
    const now = opts.clock.now()
    ctx.body = await computeSeries(opts.deps, { ...period(q, now), now, bucket: q.bucket, timezone: opts.timezone })
  })
  return router
}
