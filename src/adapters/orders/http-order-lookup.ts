import { JSONPath } from 'jsonpath-plus'
import { LRUCache } from 'lru-cache'
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import type { OrderLookup } from '../../app/orders/order-lookup.js'
import type { Clock } from '../../app/ports.js'
import type { OrderLookupConfig } from '../../config/orders-schema.js'
import type { LookupFailure, OrderFacts, OrderField, OrderLookupResult } from '../../domain/commerce/order-facts.js'

type Success = Extract<OrderLookupResult, { ok: true }>

/** Orders kept per process at most; a cache entry is small (a few strings). */
const CACHE_MAX = 2000

/**
 * The tenant's HTTP JSON order service (README, "Order lookup"): GET the configured URL with the
 * credential from the environment, give up after `timeoutMs`, map the answer's fields with
 * JSONPath. Answers are cached in this process for `cacheTtlMs`: an order's status changes in
 * hours, losing the cache costs one lookup, and a Redis round trip would add to the path that
 * is already the slow one. The rate limit is shared through Redis (see the wiring), since it
 * protects the shop's service from all of Baton's processes together.
 */
export class HttpOrderLookup implements OrderLookup {
  private readonly cache: LRUCache<string, Success> | null
  private readonly source: string

  constructor(
    private readonly cfg: OrderLookupConfig,
    private readonly opts: { authValue?: string; limiter: RateLimiterAbstract; clock: Clock; fetch?: typeof fetch },
  ) {
    this.cache = cfg.cacheTtlMs > 0 ? new LRUCache<string, Success>({ max: CACHE_MAX, ttl: cfg.cacheTtlMs }) : null
    const u = new URL(cfg.url.replace('{order_no}', 'ORDER'))
    // what the evidence names as the source: never a query string (it may carry a key)
    this.source = `${u.origin}${u.pathname.replace('ORDER', '{order_no}')}`
  }

  async lookup(orderNo: string): Promise<OrderLookupResult> {
    const at = this.opts.clock.now()
    const started = performance.now()
    const fail = (reason: LookupFailure, detail: string): OrderLookupResult => ({ ok: false, orderNo, reason, detail, source: this.source, at, ms: Math.round(performance.now() - started) })
    const hit = this.cache?.get(orderNo)
    // (a cached answer keeps the time it was read: the evidence says how old the facts are)
    if (hit) return { ...hit, cached: true, ms: 0 }
    try {
      await this.opts.limiter.consume('lookup')
    } catch (err) {
      if (err instanceof RateLimiterRes) return fail('rate_limited', `more than ${this.cfg.perMinute} lookups a minute`)
      return fail('unavailable', `rate limiter: ${(err as Error).message}`)
    }
    let body: unknown
    try {
      const res = await (this.opts.fetch ?? fetch)(this.cfg.url.replace('{order_no}', encodeURIComponent(orderNo)), {
        headers: { accept: 'application/json', ...this.authHeader() },
        redirect: 'error',
        signal: AbortSignal.timeout(this.cfg.timeoutMs),
      })
      if (res.status === 404) {
        await res.body?.cancel()
        return fail('not_found', 'HTTP 404')
      }
      if (!res.ok) {
        await res.body?.cancel()
        return fail('unavailable', `HTTP ${res.status}`)
      }
      body = await res.json()
    } catch (err) {
      const e = err as Error
      if (e.name === 'TimeoutError' || e.name === 'AbortError') return fail('timeout', `no answer within ${this.cfg.timeoutMs} ms`)
      if (e instanceof SyntaxError) return fail('bad_response', 'the answer is not JSON')
      return fail('unavailable', e.message)
    }
    const mapped = mapOrder(orderNo, body, this.cfg)
    if (!mapped.ok) return fail(mapped.reason, mapped.detail)
    const result: Success = { ok: true, facts: mapped.facts, source: this.source, at, ms: Math.round(performance.now() - started), cached: false, fieldsUsed: mapped.fieldsUsed }
    this.cache?.set(orderNo, result)
    return result
  }

  private authHeader(): Record<string, string> {
    const auth = this.cfg.auth
    if (!auth || this.opts.authValue === undefined) return {}
    return { [auth.header]: auth.scheme ? `${auth.scheme} ${this.opts.authValue}` : this.opts.authValue }
  }
}

/** Reads the configured fields out of the order service's answer (exported for its tests). */
export function mapOrder(
  orderNo: string,
  body: unknown,
  cfg: Pick<OrderLookupConfig, 'fields' | 'statuses' | 'customerVisible'>,
): { ok: true; facts: OrderFacts; fieldsUsed: OrderField[] } | { ok: false; reason: LookupFailure; detail: string } {
  if (body === null || typeof body !== 'object') return { ok: false, reason: 'bad_response', detail: 'the answer is not a JSON object' }
  const values = (path: string | undefined): unknown[] => (path ? (JSONPath({ path, json: body as object, wrap: true, eval: false }) as unknown[]) : [])
  const scalar = (path: string | undefined): string | null => {
    const v = values(path)[0]
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : null
  }
  const rawStatus = scalar(cfg.fields.status)
  if (rawStatus === null) return { ok: false, reason: 'bad_response', detail: `no status at ${cfg.fields.status}` }
  const status = cfg.statuses[rawStatus]
  if (!status) return { ok: false, reason: 'unknown_status', detail: `status "${rawStatus}" is not in orders.lookup.statuses` }
  const items = values(cfg.fields.items)
    .flat()
    .map((v) => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : ''))
    .filter((v) => v !== '')
  const facts: OrderFacts = { orderNo, status, rawStatus, carrier: scalar(cfg.fields.carrier), trackingNo: scalar(cfg.fields.trackingNo), eta: scalar(cfg.fields.eta), items, visible: cfg.customerVisible }
  const fieldsUsed: OrderField[] = ['status']
  if (facts.carrier !== null) fieldsUsed.push('carrier')
  if (facts.trackingNo !== null) fieldsUsed.push('trackingNo')
  if (facts.eta !== null) fieldsUsed.push('eta')
  if (items.length > 0) fieldsUsed.push('items')
  return { ok: true, facts, fieldsUsed }
}
