import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { PERIOD_END, PERIOD_START, seedMetricsWeek } from '../support/metrics-seed.js'
import { errorSchema, knowledgeListSchema, knowledgeReloadSchema, metricsResponseSchema, seriesResponseSchema } from '../../src/adapters/http/metrics-schemas.js'

const TOKENS = 'ops:viewer:viewer-token-000001-7Qm2xVp9LkR4sT8w,lead:supervisor:super-token-0000001-7Qm2xVp9LkR4sT8w,desk:handler:handler-token-00001-7Qm2xVp9LkR4sT8w'

describe('GET /api/v1/metrics, /metrics/series and /knowledge (auth, validation, happy paths)', () => {
  let h: SandboxHarness
  let base: string
  const get = (path: string, token?: string) => fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  // every answer must match the contract's shape (the schemas the OpenAPI document is built from)
  const error = async (r: Response) => errorSchema.parse(await r.json()).error
  const fieldOf = (e: Awaited<ReturnType<typeof error>>) => e.details?.['field'] ?? e['field']

  beforeAll(async () => {
    h = await startSandbox({ roles: ['api'], env: { BATON_API_TOKENS: TOKENS } })
    await seedMetricsWeek(h.runtime.ds)
    base = `http://127.0.0.1:${(h.runtime.server!.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await h?.close()
  })

  it('needs a known token: 401 without one or with an unknown one', async () => {
    const none = await get('/api/v1/metrics')
    expect(none.status).toBe(401)
    expect((await error(none)).code).toBe('unauthorized')
    expect((await get('/api/v1/metrics', 'nope-nope-nope-nope')).status).toBe(401)
    expect((await get('/api/v1/metrics/series', 'nope-nope-nope-nope')).status).toBe(401)
    expect((await get('/api/v1/knowledge')).status).toBe(401)
  })

  it('a viewer reads the figures of a period, each with its definition', async () => {
    const res = await get(`/api/v1/metrics?from=${PERIOD_START.toISOString()}&to=${PERIOD_END.toISOString()}`, 'viewer-token-000001-7Qm2xVp9LkR4sT8w')
    expect(res.status).toBe(200)
    const body = metricsResponseSchema.parse(await res.json())
    expect(body.from).toBe(PERIOD_START.toISOString())
    expect(body.to).toBe(PERIOD_END.toISOString())
    expect(body.groupBy).toBe('none')
    const f = body.rows[0]!.figures
    expect(f.review).toMatchObject({ approved: 3, edited: 1, rejected: 1, takenOver: 1 })
    expect(f.partnerToDeliveryMs).toEqual({ median: 5_400_000, p90: 9_720_000, n: 4 })
    expect(f.missedSends).toBe(1)
    expect(f.wrongSends).toBe(1)
    expect(f.knowledgeUpdates).toBe(3)
    // the 24 h windows of the week have all passed by now (the real clock)
    expect(f.firstClearExplanationRate).toBe(0.8)
    expect(body.definitions.missedSends).toContain('过期')
    expect(Object.keys(body.definitions).sort()).toEqual(Object.keys(f).sort())
  })

  it('defaults to the last 7 days and groups by partner with names', async () => {
    const res = await get('/api/v1/metrics?groupBy=partner', 'viewer-token-000001-7Qm2xVp9LkR4sT8w')
    expect(res.status).toBe(200)
    const body = metricsResponseSchema.parse(await res.json())
    expect(new Date(body.to).getTime() - new Date(body.from).getTime()).toBe(7 * 86_400_000)
    expect(Math.abs(new Date(body.to).getTime() - Date.now())).toBeLessThan(60_000)
    expect(body.rows.map((r) => [r.key, r.label])).toEqual([
      ['anxin', '安心安装服务'],
      [null, null],
    ])
  })

  it.each([
    ['/api/v1/metrics?groupBy=customer', 'groupBy'],
    ['/api/v1/metrics?from=yesterday', 'from'],
    ['/api/v1/metrics?to=2026-13-01T00:00:00Z', 'to'],
    ['/api/v1/metrics?from=2026-11-20T00:00:00Z&to=2026-11-13T00:00:00Z', 'from'],
    ['/api/v1/metrics?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from'],
    ['/api/v1/metrics/series?bucket=minute', 'bucket'],
    ['/api/v1/metrics/series?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&bucket=hour', 'bucket'],
    ['/api/v1/metrics/series?from=2026-11-20', 'from'],
  ])('400 naming the field: %s', async (path, field) => {
    const res = await get(path, 'viewer-token-000001-7Qm2xVp9LkR4sT8w')
    expect(res.status).toBe(400)
    const e = await error(res)
    expect(e.code).toBe('bad_request')
    expect(fieldOf(e)).toBe(field)
  })

  it('series: one entry per local day for charts', async () => {
    const res = await get(`/api/v1/metrics/series?from=${PERIOD_START.toISOString()}&to=${PERIOD_END.toISOString()}&bucket=day`, 'viewer-token-000001-7Qm2xVp9LkR4sT8w')
    expect(res.status).toBe(200)
    const { buckets } = seriesResponseSchema.parse(await res.json())
    expect(buckets).toHaveLength(8)
    expect(buckets[0]).toEqual({
      start: '2026-11-12T16:00:00.000Z',
      waiting: 1,
      overdueRate: 0,
      deliveryMedianMs: 3_600_000,
      writebackMedianMs: 5_940_000,
      review: { approved: 2, edited: 0, rejected: 0, takenOver: 0 },
    })
  })

  it('knowledge: a viewer lists every entry with its version; reloading needs a supervisor', async () => {
    const res = await get('/api/v1/knowledge', 'viewer-token-000001-7Qm2xVp9LkR4sT8w')
    expect(res.status).toBe(200)
    const { items } = knowledgeListSchema.parse(await res.json())
    const tpl = items.find((i) => i.key === 'material-request')!
    expect(tpl).toMatchObject({ version: 1 })
    expect(tpl.text).toContain('{contact_name}')
    expect(Number.isNaN(Date.parse(tpl.updatedAt))).toBe(false)
    // the seed's removed entry is not listed; its live neighbour is
    expect(items.some((i) => i.key === 'seed-other')).toBe(false)
    expect(items.find((i) => i.key === 'seed-tpl')).toMatchObject({ version: 3, text: 'v3' })
    for (const token of ['viewer-token-000001-7Qm2xVp9LkR4sT8w', 'handler-token-00001-7Qm2xVp9LkR4sT8w']) {
      const denied = await fetch(`${base}/api/v1/knowledge/reload`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
      expect(denied.status).toBe(403)
      expect((await error(denied)).code).toBe('forbidden')
    }
    const ok = await fetch(`${base}/api/v1/knowledge/reload`, { method: 'POST', headers: { authorization: 'Bearer super-token-0000001-7Qm2xVp9LkR4sT8w' } })
    expect(ok.status).toBe(200)
    // the files are unchanged; the seed's entries are in no file, so they are recorded as removed
    expect(knowledgeReloadSchema.parse(await ok.json())).toMatchObject({ changed: ['seed-old', 'seed-tpl'], versions: { 'material-request': 1 } })
    const after = knowledgeListSchema.parse(await (await get('/api/v1/knowledge', 'viewer-token-000001-7Qm2xVp9LkR4sT8w')).json()).items
    expect(after.some((i) => i.key.startsWith('seed-'))).toBe(false)
  })
})
