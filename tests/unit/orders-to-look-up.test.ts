import { describe, expect, it } from 'vitest'
import { lookUpOrders, ordersToLookUp } from '../../src/app/orders/order-lookup.js'

const progress = { intent: 'progress_question' as const, asks: true, references: { orderNumbers: [] as string[] } }
const customers = [{ orderNumbers: ['A1', 'A2'] }, { orderNumbers: ['A2', 'B1'] }, { orderNumbers: ['C1'] }]

describe('which orders a message needs looked up', () => {
  it("a customer's progress question: the orders it names, else their group's customers' orders (at most three, no repeats)", () => {
    const msg = { channel: 'customer' as const, talkerRole: 'customer_contact' as const, type: 'text' as const }
    expect(ordersToLookUp(msg, progress, customers)).toEqual(['A1', 'A2', 'B1'])
    expect(ordersToLookUp(msg, { ...progress, references: { orderNumbers: ['Z9'] } }, customers)).toEqual(['Z9'])
    // "周六上午来吗？" while nothing waits for a time reads as progress too
    expect(ordersToLookUp(msg, { ...progress, intent: 'appointment' as const, asks: true }, customers)).toEqual(['A1', 'A2', 'B1'])
  })

  it('nothing for other readings, staff, partners, attachments or a public group', () => {
    const msg = { channel: 'customer' as const, talkerRole: 'customer_contact' as const, type: 'text' as const }
    expect(ordersToLookUp(msg, { ...progress, intent: 'chit_chat' as const }, customers)).toEqual([])
    expect(ordersToLookUp(msg, { ...progress, intent: 'appointment' as const, asks: false }, customers)).toEqual([])
    expect(ordersToLookUp({ ...msg, talkerRole: 'handler' }, progress, customers)).toEqual([])
    expect(ordersToLookUp({ ...msg, channel: 'partner', talkerRole: 'partner' }, progress, customers)).toEqual([])
    expect(ordersToLookUp({ ...msg, type: 'image' }, progress, customers)).toEqual([])
    expect(ordersToLookUp({ ...msg, channel: 'public_customer' }, progress, customers)).toEqual([])
  })
})

describe('looking orders up', () => {
  it('an adapter that throws gives a failure for that order, not a failed message', async () => {
    const now = new Date('2026-12-04T02:00:00Z')
    const lookup = {
      lookup: async (o: string) => (o === 'BAD' ? Promise.reject(new Error('boom')) : { ok: false as const, orderNo: o, reason: 'not_found' as const, detail: 'HTTP 404', source: 's', at: now, ms: 1 }),
    }
    const r = await lookUpOrders(lookup, ['BAD', 'OK'], now)
    expect(r.get('BAD')).toMatchObject({ ok: false, reason: 'unavailable', detail: 'lookup failed: boom' })
    expect(r.get('OK')).toMatchObject({ ok: false, reason: 'not_found' })
    expect((await lookUpOrders(undefined, ['A'], now)).size).toBe(0)
  })
})
