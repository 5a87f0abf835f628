import type { OrderLookupResult } from '../../domain/commerce/order-facts.js'
import type { UnderstandingResult } from '../decide-ports.js'
import type { RecordedMessage } from '../inbound-message.js'

/**
 * Reads one order from the tenant's order service (src/adapters/orders). Never throws: every
 * failure is a result with its reason, so the question goes to a person instead of failing the
 * message. Baton only reads orders; nothing here can change one.
 */
export interface OrderLookup {
  lookup(orderNo: string): Promise<OrderLookupResult>
}

/** At most this many orders are looked up for one message (a customer naming many is a person's job anyway). */
const MAX_ORDERS_PER_MESSAGE = 3

/**
 * The orders a customer's progress question may be about: the ones it names, else the ones the
 * tenant file lists for the group's customers. Other messages need no lookup.
 */
export function ordersToLookUp(
  msg: Pick<RecordedMessage, 'channel' | 'talkerRole' | 'type'>,
  u: Pick<UnderstandingResult, 'intent' | 'asks'> & { references: { orderNumbers: readonly string[] } },
  customers: ReadonlyArray<{ orderNumbers: readonly string[] }>,
): string[] {
  // (a public group's answers are always a person's: no lookup there)
  const customerSide = msg.channel === 'customer' || msg.channel === 'direct'
  const customerTalker = msg.talkerRole === 'customer_contact' || msg.talkerRole === 'executor' || msg.talkerRole === 'unknown'
  const asksProgress = u.intent === 'progress_question' || (u.intent === 'appointment' && u.asks)
  if (!customerSide || !customerTalker || msg.type !== 'text' || !asksProgress) return []
  const named = u.references.orderNumbers
  const pool = named.length > 0 ? named : customers.flatMap((c) => c.orderNumbers)
  return [...new Set(pool)].slice(0, MAX_ORDERS_PER_MESSAGE)
}

/**
 * Looks the orders up side by side, before the decision's transaction opens: a slow order
 * service must never hold database locks. The decision reads the results as plain facts.
 */
export async function lookUpOrders(lookup: OrderLookup | undefined, orderNos: readonly string[], now: Date): Promise<ReadonlyMap<string, OrderLookupResult>> {
  if (!lookup || orderNos.length === 0) return EMPTY
  // an adapter that breaks its promise and throws costs the answer, never the message
  const safe = (orderNo: string): Promise<OrderLookupResult> =>
    lookup.lookup(orderNo).catch((err: unknown) => ({ ok: false, orderNo, reason: 'unavailable', detail: `lookup failed: ${(err as Error).message}`, source: 'order lookup', at: now, ms: 0 }) as const)
  const results = await Promise.all(orderNos.map(safe))
  return new Map(orderNos.map((o, i) => [o, results[i]!]))
}

const EMPTY: ReadonlyMap<string, OrderLookupResult> = new Map()
