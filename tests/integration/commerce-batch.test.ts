import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RateLimiterMemory } from 'rate-limiter-flexible'
import { loadTenant } from '../../src/config/load-tenant.js'
import { buildServices } from '../../src/main/build-services.js'
import { readOrderWords } from '../../src/main/orders-wiring.js'
import { SqlStore } from '../../src/adapters/db/sql-store.js'
import { SqlMessageStore } from '../../src/adapters/db/message-store.js'
import { HttpOrderLookup } from '../../src/adapters/orders/http-order-lookup.js'
import { FakeOrderService, sandboxOrders } from '../../src/adapters/orders/fake-order-service.js'
import { handleMessage, handleMessages, type HandleDeps } from '../../src/app/handle-message.js'
import type { RecordedMessage } from '../../src/app/inbound-message.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { testLogger } from '../support/test-env.js'

type Said = Pick<RecordedMessage, 'groupKey' | 'channel' | 'talkerId' | 'talkerRole' | 'type' | 'text'>
const zhangAsks: Said = { groupKey: 'cust-zhang', channel: 'customer', talkerId: 'wx-zhang', talkerRole: 'customer_contact', type: 'text', text: '我的快递到哪了？' }

describe('order lookups for messages decided together (handleMessages), outside the batch transaction', () => {
  let h: SandboxHarness
  let deps: HandleDeps
  const shop = new FakeOrderService()
  const messages = () => new SqlMessageStore(h.runtime.ds)
  let n = 0
  const record = async (m: Said): Promise<RecordedMessage> => {
    const msg: Omit<RecordedMessage, 'id'> = {
      ...m,
      wecomId: `commerce-batch-${n++}`,
      roomId: `r-${m.groupKey}@chatroom`,
      talkerName: m.talkerId,
      self: false,
      mentionIds: [],
      attachment: null,
      saidAt: new Date(),
      direction: 'inbound',
    }
    return { ...msg, id: (await messages().insert(msg))! }
  }

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    // the api role alone: nothing in the process decides messages besides this test
    h = await startSandbox({ tenant, roles: ['api'] })
    const base = await shop.start()
    for (const o of sandboxOrders(new Date(), 'Asia/Shanghai')) shop.set(o)
    const { services, wording } = buildServices(h.tenant, h.runtime.directory)
    const orders = new HttpOrderLookup({ ...tenant.orders.lookup!, url: `${base}/orders/{order_no}` }, { limiter: new RateLimiterMemory({ points: 100, duration: 60 }), clock: { now: () => new Date() } })
    deps = { store: new SqlStore(h.runtime.ds), directory: h.runtime.directory, services, wording, clock: { now: () => new Date() }, log: testLogger(), orders, orderWords: readOrderWords(wording) }
    await handleMessage(
      deps,
      await record({ groupKey: 'partner-anxin', channel: 'partner', talkerId: 'wx-partner-li', talkerRole: 'partner', type: 'text', text: 'DD20261101001 麻烦让客户上传一下空调安装位置的照片' }),
    )
  })
  afterAll(async () => {
    await shop.stop()
    await h?.close()
  })

  it('looks up only the progress questions, once each, and every one is answered from its own order', async () => {
    const before = shop.requests.length
    const batch = [
      await record(zhangAsks),
      await record({ groupKey: 'cust-zhang', channel: 'customer', talkerId: 'wx-zhang', talkerRole: 'customer_contact', type: 'text', text: '谢谢' }),
      await record({ groupKey: 'internal', channel: 'internal', talkerId: 'wx-handler-wang', talkerRole: 'handler', type: 'text', text: '下午的排班我调整好了' }),
    ]
    const results = await handleMessages(deps, batch)
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled'])
    expect(shop.requests.slice(before)).toEqual(['DD20261101001'])
    const [d] = await h.runtime.ds.query(`SELECT category, text FROM drafts WHERE source_message_id = $1`, [batch[0]!.id])
    expect(d.category).toBe('order_progress')
    expect(d.text).toContain('已发货，顺丰速运 SF1234567890')
    const lookups = await h.runtime.ds.query(`SELECT payload FROM case_events WHERE kind = 'order_lookup'`)
    expect(lookups.map((r: { payload: { orderNo: string; ok: boolean } }) => [r.payload.orderNo, r.payload.ok])).toEqual([['DD20261101001', true]])
  })
})
