import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { SqlStore } from '../../src/adapters/db/sql-store.js'
import { moveCase, openCase, type ManageDeps } from '../../src/app/manage-case.js'
import { buildServices } from '../../src/main/build-services.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { sayAndSettle } from '../support/groups.js'

interface EventRow {
  kind: string
  detail: Record<string, string | number | null>
}

describe('cases opened and closed on the customer contact event log (real PostgreSQL)', () => {
  let h: SandboxHarness
  let manage: ManageDeps
  const eventsOf = (wecomId: string): Promise<EventRow[]> =>
    h.runtime.ds.query(`SELECT e.kind, e.detail FROM contact_events e JOIN contacts c ON c.id = e.contact_id WHERE c.wecom_id = $1 AND e.kind IN ('case_opened','case_closed') ORDER BY e.id`, [wecomId])
  const caseOf = async (customer: string): Promise<{ id: string; state: string }> => (await h.runtime.ds.query(`SELECT id, state FROM cases WHERE customer_key = $1 ORDER BY id DESC LIMIT 1`, [customer]))[0]

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.policy = { automaticCategories: ['material_received', 'progress_reply'] }
    h = await startSandbox({ tenant })
    manage = { store: new SqlStore(h.runtime.ds), directory: h.runtime.directory, services: buildServices(tenant, h.runtime.directory).services, clock: { now: () => new Date() } }
  })
  afterAll(async () => {
    await h?.close()
  })

  it('a case the partner opens (message pipeline) and completes is case_opened then case_closed on the customer contact', async () => {
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: '订单DD20261102007，麻烦让客户补一下发票照片' })
    const opened = await caseOf('zhao')
    expect(await eventsOf('wx-zhao')).toEqual([{ kind: 'case_opened', detail: { caseId: Number(opened.id), serviceType: expect.any(String) } }])
    // the contact was created by the case: named from the tenant file, not by its WeCom id
    expect((await h.runtime.ds.query(`SELECT name, person_id FROM contacts WHERE wecom_id = 'wx-zhao'`))[0]).toEqual({ name: '赵女士', person_id: 'wx-zhao' })
    await sayAndSettle(h, { as: 'wx-zhao', group: 'cust-zhao', image: 'invoice.jpg' })
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: 'DD20261102007 已完成' })
    expect((await caseOf('zhao')).state).toBe('completed')
    const events = await eventsOf('wx-zhao')
    expect(events.map((e) => e.kind)).toEqual(['case_opened', 'case_closed'])
    expect(events[1]!.detail).toMatchObject({ caseId: Number(opened.id), state: 'completed', cancellationReason: null })
  })

  it('a case opened by hand and cancelled by a handler: both events, once each; a move that is not a close adds none', async () => {
    const kase = await openCase(manage, { id: 'wx-handler-chen', supervisor: false }, { customer: 'zhang', serviceType: 'after_sales' })
    await moveCase(manage, { id: 'wx-handler-chen', supervisor: false }, kase.id, 'waiting_partner', { reason: 'asked the partner' })
    expect((await eventsOf('wx-zhang')).map((e) => e.kind)).toEqual(['case_opened'])
    await moveCase(manage, { id: 'wx-handler-chen', supervisor: false }, kase.id, 'cancelled', { reason: 'customer withdrew', cancellationReason: 'customer_withdrew' })
    const events = await eventsOf('wx-zhang')
    expect(events).toEqual([
      { kind: 'case_opened', detail: { caseId: kase.id, serviceType: 'after_sales' } },
      { kind: 'case_closed', detail: { caseId: kase.id, serviceType: 'after_sales', state: 'cancelled', cancellationReason: 'customer_withdrew' } },
    ])
    // a second cancel is refused (terminal) and writes nothing
    await expect(moveCase(manage, { id: 'wx-handler-chen', supervisor: false }, kase.id, 'cancelled', { reason: 'again' })).rejects.toThrow()
    expect(await eventsOf('wx-zhang')).toHaveLength(2)
  })

  it('the batch transaction writes its contact events with its one flush: two for one new contact, one contact', async () => {
    const at = new Date()
    await new SqlStore(h.runtime.ds).batch(async (tx) => {
      await tx.appendContactEvents([
        { wecomId: 'wx-batch-new', name: '新客户', personId: null, kind: 'case_opened', detail: { caseId: 901, serviceType: 'after_sales' }, at },
        { wecomId: 'wx-batch-new', name: '新客户', personId: null, kind: 'case_closed', detail: { caseId: 901, serviceType: 'after_sales', state: 'completed', cancellationReason: null }, at },
      ])
      // outside the transaction nothing shows yet
      expect(await h.runtime.ds.query(`SELECT 1 FROM contacts WHERE wecom_id = 'wx-batch-new'`)).toEqual([])
    })
    expect(await h.runtime.ds.query(`SELECT name FROM contacts WHERE wecom_id = 'wx-batch-new'`)).toEqual([{ name: '新客户' }])
    expect((await eventsOf('wx-batch-new')).map((e) => e.kind)).toEqual(['case_opened', 'case_closed'])
  })
})
