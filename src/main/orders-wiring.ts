import type { Redis } from 'ioredis'
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible'
import type { Env } from '../config/env.js'
import { ConfigError } from '../config/format-issues.js'
import type { Tenant } from '../config/load-tenant.js'
import { wordingOf, type Wording } from '../config/load-wording-dir.js'
import type { OrderLookup } from '../app/orders/order-lookup.js'
import type { Clock, Logger } from '../app/ports.js'
import { ORDER_STATUSES, type OrderStatus } from '../domain/commerce/order-facts.js'
import type { OrderWords } from '../domain/commerce/order-progress.js'
import { HttpOrderLookup } from '../adapters/orders/http-order-lookup.js'
import { FakeOrderService, sandboxOrders } from '../adapters/orders/fake-order-service.js'

export interface OrdersWiring {
  orders?: OrderLookup
  orderWords?: OrderWords
  /** the sandbox's order service (sandbox:// URLs): its orders are changed through /sandbox */
  fake?: FakeOrderService
  stop(): Promise<void>
}

/**
 * The tenant's order service, when `orders.lookup` is configured. A `sandbox://` URL is served
 * by a local fake holding the sandbox's two orders, and only in the sandbox. The credential is
 * read from the environment variable the tenant file names; a missing one fails the start.
 */
export async function wireOrders(opts: { tenant: Tenant; env: Env; redis: Redis; wording: Wording; timeZone: string; clock: Clock; log: Logger; environ?: NodeJS.ProcessEnv }): Promise<OrdersWiring> {
  const cfg = opts.tenant.orders.lookup
  const off = { stop: async () => undefined }
  if (!cfg) return off
  if (cfg.url.startsWith('sandbox://') && (!opts.env.sandbox || opts.env.BATON_SANDBOX_ORDERS === 'off')) {
    // the sandbox tenant file reused with a real puppet (a gateway test, the benchmark): no fake to ask
    opts.log.warn(
      { url: cfg.url },
      opts.env.sandbox ? 'sandbox order service switched off (BATON_SANDBOX_ORDERS=off); no order lookups' : 'sandbox:// order lookups are served by the sandbox only; no order lookups',
    )
    return off
  }
  const environ = opts.environ ?? process.env
  const where = `${opts.tenant.file}: orders.lookup`
  const orderWords = readOrderWords(opts.wording)
  const authValue = cfg.auth ? environ[cfg.auth.env] : undefined
  if (cfg.auth && !authValue) throw new ConfigError([`${where}.auth.env — the environment variable ${cfg.auth.env} is not set (it holds the order service's credential)`])
  let url = cfg.url
  let fake: FakeOrderService | undefined
  if (url.startsWith('sandbox://')) {
    fake = new FakeOrderService(authValue && cfg.auth?.scheme === 'Bearer' ? authValue : null)
    for (const o of sandboxOrders(opts.clock.now(), opts.timeZone)) fake.set(o)
    url = `${await fake.start()}/${url.slice('sandbox://'.length)}`
    opts.log.info({ url }, 'sandbox order service listening')
  }
  const limiter = new RateLimiterRedis({
    storeClient: opts.redis,
    keyPrefix: `${opts.env.BATON_QUEUE_PREFIX}:orders`,
    points: cfg.perMinute,
    duration: 60,
    rejectIfRedisNotReady: true,
    // Redis gone: each process keeps its own count rather than letting every lookup through
    insuranceLimiter: new RateLimiterMemory({ keyPrefix: `${opts.env.BATON_QUEUE_PREFIX}:orders`, points: cfg.perMinute, duration: 60 }),
  })
  const orders = new HttpOrderLookup({ ...cfg, url }, { ...(authValue ? { authValue } : {}), limiter, clock: opts.clock })
  return { orders, orderWords, ...(fake ? { fake } : {}), stop: async () => void (await fake?.stop()) }
}

/** Every phrase orders.yaml must have; a missing one fails the start, naming the key. */
export function readOrderWords(w: Wording): OrderWords {
  const problems: string[] = []
  const get = (key: string): string => {
    try {
      return wordingOf(w, `orders.${key}`)
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems)
      return ''
    }
  }
  const status = Object.fromEntries(ORDER_STATUSES.map((s) => [s, get(`status.${s}`)])) as Record<OrderStatus, string>
  const words: OrderWords = {
    status,
    carrierAndTracking: get('carrierAndTracking'),
    carrierOnly: get('carrierOnly'),
    eta: { today: get('eta.today'), tomorrow: get('eta.tomorrow'), dayAfter: get('eta.dayAfter'), date: get('eta.date') },
    visit: get('visit'),
    items: get('items'),
    separator: get('separator'),
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return words
}
