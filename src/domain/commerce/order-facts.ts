/**
 * What Baton may know about an order from the tenant's order service. Pure types: the lookup
 * itself is I/O and lives behind the app layer's OrderLookup port (src/app/orders).
 */

/** Baton's own words for where an order stands; each tenant maps its order service's codes to these. */
export const ORDER_STATUSES = ['pending_payment', 'paid', 'processing', 'shipped', 'in_transit', 'out_for_delivery', 'delivered', 'cancelled', 'refunding', 'refunded', 'exception'] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]

/** The fields a lookup maps from the order service's answer. */
export const ORDER_FIELDS = ['status', 'carrier', 'trackingNo', 'eta', 'items'] as const
export type OrderField = (typeof ORDER_FIELDS)[number]

export interface OrderFacts {
  orderNo: string
  status: OrderStatus
  /** the order service's own status code, for the evidence trail */
  rawStatus: string
  carrier: string | null
  trackingNo: string | null
  /** expected delivery, as the order service gave it (ISO date or date-time) */
  eta: string | null
  items: string[]
  /** the fields the tenant allows customers to see */
  visible: readonly OrderField[]
}

/** Why a lookup gave no usable answer (each one sends the question to a person). */
export const LOOKUP_FAILURES = ['timeout', 'unavailable', 'not_found', 'bad_response', 'unknown_status', 'rate_limited'] as const
export type LookupFailure = (typeof LOOKUP_FAILURES)[number]

export type OrderLookupResult =
  | { ok: true; facts: OrderFacts; source: string; at: Date; ms: number; cached: boolean; fieldsUsed: OrderField[] }
  | { ok: false; orderNo: string; reason: LookupFailure; detail: string; source: string; at: Date; ms: number }
