import { describe, expect, it } from 'vitest'
import { ordersToLookUp } from '../../src/app/orders/order-lookup.js'

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
