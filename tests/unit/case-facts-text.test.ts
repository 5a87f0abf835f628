import { describe, expect, it } from 'vitest'
import { customerFacts } from '../../src/app/case-facts-text.js'
import { Directory } from '../../src/app/directory.js'
import { loadTenant } from '../../src/config/load-tenant.js'
import { loadWordingDir } from '../../src/config/load-wording-dir.js'

const tenant = loadTenant('config/sandbox.yaml')
const directory = new Directory(tenant)
const wording = loadWordingDir('config/wording')
const customer = tenant.customers[0]!
const kase = { id: 7, customerKey: customer.key, serviceType: 'appointment', contactId: customer.contact, executorId: null, orderNo: null, state: 'waiting_executor' } as const
const saturday = { start: '2026-11-28T09:00:00+08:00', end: '2026-11-28T12:00:00+08:00' }

describe('customerFacts: the visit time', () => {
  it('puts a proposed time to the customer, and asks for theirs when none is known', () => {
    const proposed = customerFacts(directory, wording, { ...kase, appointment: { ...saturday, agreed: false } }, [])
    expect(proposed['appointment_time']).toBe('11月28日（周六）09:00–12:00')
    expect(proposed['appointment_ask']).toBe('师傅计划11月28日（周六）09:00–12:00上门，这个时间您方便吗？如不方便，麻烦回复您方便的日期和时段，')
    const none = customerFacts(directory, wording, { ...kase, appointment: null }, [])
    expect(none['appointment_time']).toBeUndefined()
    expect(none['appointment_ask']).toBe('想和您确认一下方便上门的时间，麻烦回复您方便的日期和时段，')
    // an agreed time is not asked about again
    expect(customerFacts(directory, wording, { ...kase, appointment: { ...saturday, agreed: true } }, [])['appointment_ask']).toBe(none['appointment_ask'])
  })

  it('offers the proposed time to requests for items only while the customer has not agreed it', () => {
    expect(customerFacts(directory, wording, { ...kase, appointment: { ...saturday, agreed: false } }, [])['proposed_time']).toBe('11月28日（周六）09:00–12:00')
    expect(customerFacts(directory, wording, { ...kase, appointment: { ...saturday, agreed: true } }, [])['proposed_time']).toBeUndefined()
    expect(customerFacts(directory, wording, { ...kase, appointment: null }, [])['proposed_time']).toBeUndefined()
  })

  it('leaves the facts out when a wording folder from before lacks their templates (the draft then goes to the team)', () => {
    const old = new Map([...wording].filter(([k]) => !k.startsWith('labels.appointment') && !k.startsWith('labels.weekdays')))
    const facts = customerFacts(directory, old, { ...kase, appointment: { ...saturday, agreed: false } }, [])
    expect(facts['appointment_time']).toBeUndefined()
    expect(facts['appointment_ask']).toBeUndefined()
    expect(facts['contact_name']).toBeDefined()
  })
})
