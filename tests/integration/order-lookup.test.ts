import { Redis } from 'ioredis'
import { RateLimiterMemory } from 'rate-limiter-flexible'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpOrderLookup, mapOrder } from '../../src/adapters/orders/http-order-lookup.js'
import { FakeOrderService, sandboxOrders, type FakeOrder } from '../../src/adapters/orders/fake-order-service.js'
import { ConfigError } from '../../src/config/format-issues.js'
import { parseTenant } from '../../src/config/load-tenant.js'
import { loadWordingDir } from '../../src/config/load-wording-dir.js'
import { orderLookupSchema, type OrderLookupConfig } from '../../src/config/orders-schema.js'
import { wireOrders } from '../../src/main/orders-wiring.js'
import { TEST_REDIS_URL, testEnv, testLogger, uniqueName } from '../support/test-env.js'

const clock = { now: () => new Date('2026-12-04T02:00:00Z') }
const TOKEN = 'shop-secret-7Qm2xVp9'
const order = (over: Partial<FakeOrder> = {}): FakeOrder => ({
  order_no: 'T-1001',
  status: 'SHIPPED',
  logistics: { company: '中通快递', tracking_no: 'ZT7788', estimated_delivery: '2026-12-05' },
  items: [
    { title: '滤芯', quantity: 2 },
    { title: '水龙头', quantity: 1 },
  ],
  receiver: { name: '王', phone: '13800000000', address: '某路1号' },
  ...over,
})

function config(base: string, over: Partial<OrderLookupConfig> = {}): OrderLookupConfig {
  return orderLookupSchema.parse({
    url: `${base}/orders/{order_no}?shop=42`,
    auth: { header: 'Authorization', env: 'SHOP_TOKEN', scheme: 'Bearer' },
    timeoutMs: 300,
    cacheTtlMs: 0,
    fields: { status: '$.data.status', carrier: '$.data.logistics.company', trackingNo: '$.data.logistics.tracking_no', eta: '$.data.logistics.estimated_delivery', items: '$.data.items[*].title' },
    statuses: { SHIPPED: 'shipped', SIGNED: 'delivered' },
    ...over,
  })
}

describe('the HTTP order lookup against a local order service', () => {
  const shop = new FakeOrderService(TOKEN)
  let base: string
  const lookup = (over: Partial<OrderLookupConfig> = {}, opts: { authValue?: string; points?: number } = {}) =>
    new HttpOrderLookup(config(base, over), { authValue: opts.authValue ?? TOKEN, limiter: new RateLimiterMemory({ points: opts.points ?? 100, duration: 60 }), clock })

  beforeAll(async () => {
    base = await shop.start()
    shop.set(order())
  })
  afterAll(async () => {
    await shop.stop()
  })

  it('maps the configured fields, sends the credential, and names its source without the query string', async () => {
    const r = await lookup().lookup('T-1001')
    expect(r).toMatchObject({ ok: true, cached: false, source: `${base}/orders/{order_no}`, fieldsUsed: ['status', 'carrier', 'trackingNo', 'eta', 'items'] })
    if (!r.ok) throw new Error('expected a result')
    expect(r.facts).toEqual({
      orderNo: 'T-1001',
      status: 'shipped',
      rawStatus: 'SHIPPED',
      carrier: '中通快递',
      trackingNo: 'ZT7788',
      eta: '2026-12-05',
      items: ['滤芯', '水龙头'],
      visible: ['status', 'carrier', 'trackingNo', 'eta'],
    })
    // the receiver's data is in the answer but mapped nowhere
    expect(JSON.stringify(r)).not.toContain('13800000000')
    const wrong = await lookup({}, { authValue: 'nope' }).lookup('T-1001')
    expect(wrong).toMatchObject({ ok: false, reason: 'unavailable', detail: 'HTTP 401' })
  })

  it('unknown order, service down, too slow, an unlisted status: each a failure with its reason', async () => {
    expect(await lookup().lookup('NOPE')).toMatchObject({ ok: false, reason: 'not_found' })
    shop.mode = 'down'
    expect(await lookup().lookup('T-1001')).toMatchObject({ ok: false, reason: 'unavailable', detail: 'HTTP 503' })
    shop.mode = 'slow'
    shop.slowMs = 2000
    const started = Date.now()
    expect(await lookup().lookup('T-1001')).toMatchObject({ ok: false, reason: 'timeout' })
    expect(Date.now() - started).toBeLessThan(1500)
    shop.mode = 'up'
    shop.set(order({ order_no: 'T-2', status: 'LOST_IN_SPACE' }))
    expect(await lookup().lookup('T-2')).toMatchObject({ ok: false, reason: 'unknown_status', detail: expect.stringContaining('LOST_IN_SPACE') })
    const closed = await new HttpOrderLookup(config('http://127.0.0.1:1'), { authValue: TOKEN, limiter: new RateLimiterMemory({ points: 5, duration: 60 }), clock }).lookup('T-1001')
    expect(closed).toMatchObject({ ok: false, reason: 'unavailable' })
  })

  it('answers are cached for cacheTtlMs; failures are not', async () => {
    const l = lookup({ cacheTtlMs: 60_000 })
    const before = shop.requests.length
    expect(await l.lookup('T-1001')).toMatchObject({ ok: true, cached: false })
    const again = await l.lookup('T-1001')
    expect(again).toMatchObject({ ok: true, cached: true })
    expect(shop.requests.length - before).toBe(1)
    await l.lookup('NOPE')
    await l.lookup('NOPE')
    expect(shop.requests.length - before).toBe(3)
  })

  it('over the rate limit a lookup fails without asking the order service', async () => {
    const l = lookup({}, { points: 2 })
    await l.lookup('T-1001')
    await l.lookup('T-1001')
    const before = shop.requests.length
    expect(await l.lookup('T-1001')).toMatchObject({ ok: false, reason: 'rate_limited' })
    expect(shop.requests.length).toBe(before)
  })

  it('reads a missing status or a non-JSON answer as a bad response', () => {
    const cfg = config('http://x')
    expect(mapOrder('A', { data: {} }, cfg)).toMatchObject({ ok: false, reason: 'bad_response' })
    expect(mapOrder('A', 'text', cfg)).toMatchObject({ ok: false, reason: 'bad_response' })
    expect(mapOrder('A', { data: { status: 'SIGNED', items: [{ title: 3 }] } }, cfg)).toMatchObject({ ok: true, facts: { status: 'delivered', items: ['3'], carrier: null } })
  })
})

describe('orders.lookup in the tenant file and its wiring', () => {
  const tenantWith = (lookup: unknown) => parseTenant(JSON.stringify({ tenant: { name: 't' }, groups: [{ key: 'g', id: 'r@chatroom', kind: 'internal' }], orders: { lookup } }), 'tenant.yaml')
  const valid = { url: 'https://shop.example/orders/{order_no}', fields: { status: '$.data.status' }, statuses: { SHIPPED: 'shipped' } }

  it('is optional, and validated with the path and what was expected', () => {
    expect(parseTenant(JSON.stringify({ tenant: { name: 't' }, groups: [{ key: 'g', id: 'r@chatroom', kind: 'internal' }] }), 'tenant.yaml').orders).toEqual({})
    expect(tenantWith(valid).orders.lookup).toMatchObject({ timeoutMs: 3000, cacheTtlMs: 60_000, perMinute: 60 })
    const problems = (bad: unknown): string => {
      try {
        tenantWith(bad)
      } catch (err) {
        return (err as ConfigError).problems.join('\n')
      }
      return ''
    }
    expect(problems({ ...valid, url: 'https://shop.example/orders' })).toMatch(/orders\.lookup\.url.*\{order_no\}/)
    expect(problems({ ...valid, fields: { status: 'data.status' } })).toMatch(/orders\.lookup\.fields\.status.*JSONPath/)
    expect(problems({ ...valid, statuses: { SHIPPED: 'sent' } })).toMatch(/orders\.lookup\.statuses\.SHIPPED/)
    expect(problems({ ...valid, auth: { env: 'lower-case' } })).toMatch(/orders\.lookup\.auth\.env/)
    expect(problems({ ...valid, timeoutMs: 60_000 })).toMatch(/orders\.lookup\.timeoutMs/)
  })

  it('a credential variable that is not set fails the start, naming it; the rate limit is shared through Redis', async () => {
    const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true })
    await redis.connect()
    const env = testEnv({ BATON_QUEUE_PREFIX: uniqueName('bq') })
    const wording = loadWordingDir('config/wording')
    const shop = new FakeOrderService(TOKEN)
    try {
      const base = await shop.start()
      for (const o of sandboxOrders(clock.now(), 'Asia/Shanghai')) shop.set(o)
      const tenant = tenantWith({ ...valid, url: `${base}/orders/{order_no}`, perMinute: 3, cacheTtlMs: 0, auth: { env: 'BATON_TEST_SHOP_TOKEN', scheme: 'Bearer' } })
      const deps = { tenant, env, redis, wording, timeZone: 'Asia/Shanghai', clock, log: testLogger() }
      await expect(wireOrders({ ...deps, environ: {} })).rejects.toThrow(/orders\.lookup\.auth\.env — the environment variable BATON_TEST_SHOP_TOKEN is not set/)
      // two processes' lookups count against one limit
      const a = await wireOrders({ ...deps, environ: { BATON_TEST_SHOP_TOKEN: TOKEN } })
      const b = await wireOrders({ ...deps, environ: { BATON_TEST_SHOP_TOKEN: TOKEN } })
      const results = [await a.orders!.lookup('DD20261101001'), await b.orders!.lookup('DD20261101001'), await a.orders!.lookup('DD20261101001'), await b.orders!.lookup('DD20261101001')]
      expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['ok', 'ok', 'ok', 'rate_limited'])
      // a tenant without orders.lookup wires nothing
      expect(await wireOrders({ ...deps, tenant: { ...tenant, orders: {} } })).not.toHaveProperty('orders')
      // the sandbox's fake is served in the sandbox only, and not when switched off
      const sandboxUrl = tenantWith({ ...valid, url: 'sandbox://orders/{order_no}' })
      expect(await wireOrders({ ...deps, tenant: sandboxUrl, env: { ...env, sandbox: false } })).not.toHaveProperty('orders')
      expect(await wireOrders({ ...deps, tenant: sandboxUrl, env: { ...env, BATON_SANDBOX_ORDERS: 'off' } })).not.toHaveProperty('orders')
      const served = await wireOrders({ ...deps, tenant: sandboxUrl, env: { ...env, BATON_SANDBOX_ORDERS: 'on' } })
      try {
        expect(served.fake!.list().map((o) => o.order_no)).toEqual(['DD20261101001', 'DD20261102007'])
        expect(await served.orders!.lookup('DD20261101001')).toMatchObject({ ok: true, facts: { status: 'shipped' } })
      } finally {
        await served.stop()
      }
    } finally {
      await shop.stop()
      redis.disconnect()
    }
  })
})
