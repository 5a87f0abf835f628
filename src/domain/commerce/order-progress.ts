import { localClock, localDay } from '../local-day.js'
import { renderTemplate } from '../render-template.js'
import type { CaseAppointment, RiskFlag } from '../types.js'
import type { OrderFacts, OrderLookupResult, OrderStatus } from './order-facts.js'

/** Customer-safe phrases for an order's state (config/wording/orders.yaml), passed in as data. */
export interface OrderWords {
  status: Readonly<Record<OrderStatus, string>>
  /** "{carrier} {tracking_no}" */
  carrierAndTracking: string
  /** "{carrier}" alone, when the tracking number may not be shown or is unknown */
  carrierOnly: string
  eta: { today: string; tomorrow: string; dayAfter: string; date: string }
  /** "师傅已排期 {month}月{day}日 {start}–{end}": the visit the customer side agreed */
  visit: string
  /** "商品：{items}", when the tenant lets customers see the items */
  items: string
  /** joins the parts ("，") */
  separator: string
}

/** Statuses a progress answer can state as they are. */
const ANSWERABLE: ReadonlySet<OrderStatus> = new Set(['pending_payment', 'paid', 'processing', 'shipped', 'in_transit', 'out_for_delivery'])

export type OrderReading = { kind: 'answer'; text: string } | { kind: 'person'; reason: RiskFlag; note: string }

/**
 * What a customer asking where their order stands may be told, or why a person must answer
 * instead: a failed lookup, an order the system calls delivered while the customer is still
 * asking where it is (the two contradict each other), or a cancelled, refunded or stuck order.
 */
export function readOrderForProgress(result: OrderLookupResult, words: OrderWords, now: Date, timeZone: string): OrderReading {
  if (!result.ok) return { kind: 'person', reason: 'order_lookup_failed', note: `order lookup failed (${result.reason}: ${result.detail})` }
  const f = result.facts
  if (f.status === 'delivered') return { kind: 'person', reason: 'verification_conflict', note: `the order service says ${f.orderNo} was delivered, yet the customer asks where it is` }
  if (!ANSWERABLE.has(f.status)) return { kind: 'person', reason: 'order_exception', note: `order ${f.orderNo} is ${f.status} (${f.rawStatus}); a person explains` }
  return { kind: 'answer', text: orderStatusText(f, words, now, timeZone) }
}

/** "已发货，顺丰速运 SF1234567890，预计明天送达[，商品：…]": only the fields customers may see. */
export function orderStatusText(f: OrderFacts, words: OrderWords, now: Date, timeZone: string): string {
  const shows = (field: OrderFacts['visible'][number]) => f.visible.includes(field)
  const parts = [words.status[f.status]]
  const carrier = shows('carrier') ? f.carrier : null
  const tracking = shows('trackingNo') ? f.trackingNo : null
  if (carrier && tracking) parts.push(renderTemplate(words.carrierAndTracking, { carrier, tracking_no: tracking }).text)
  else if (carrier) parts.push(renderTemplate(words.carrierOnly, { carrier }).text)
  const eta = shows('eta') && f.eta ? etaText(f.eta, words, now, timeZone) : null
  if (eta) parts.push(eta)
  if (shows('items') && f.items.length > 0) parts.push(renderTemplate(words.items, { items: f.items.join('、') }).text)
  return parts.join(words.separator)
}

/** The expected day in the tenant's time zone, said the way people say it (今天, 明天, 12月9日). */
function etaText(eta: string, words: OrderWords, now: Date, timeZone: string): string | null {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(eta) ? eta : localDay(new Date(eta), timeZone)
  if (!day) return null
  const today = localDay(now, timeZone)!
  const diff = Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000)
  // a date already past says nothing reliable: leave it out rather than promise yesterday
  if (diff < 0) return null
  if (diff === 0) return words.eta.today
  if (diff === 1) return words.eta.tomorrow
  if (diff === 2) return words.eta.dayAfter
  const [, m, d] = day.split('-')
  return renderTemplate(words.eta.date, { month: Number(m), day: Number(d) }).text
}

/** The agreed visit in the tenant's time zone ("师傅已排期 12月8日 09:00–12:00"); null when none is agreed. */
export function visitText(appointment: CaseAppointment | null, words: Pick<OrderWords, 'visit'>, timeZone: string): string | null {
  if (!appointment?.agreed) return null
  const start = new Date(appointment.start)
  const end = new Date(appointment.end)
  const day = localDay(start, timeZone)
  if (!day || Number.isNaN(end.getTime())) return null
  const [, m, d] = day.split('-')
  return renderTemplate(words.visit, { month: Number(m), day: Number(d), start: localClock(start, timeZone), end: localClock(end, timeZone) }).text
}
