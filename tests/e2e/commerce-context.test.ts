import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { localDay } from '../../src/domain/local-day.js'
import { apiClient, API_TOKENS_ENV } from '../support/api-client.js'
import { botSaid, sayAndSettle, sendsSettled } from '../support/groups.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { eventually } from '../support/test-env.js'

const TZ = 'Asia/Shanghai'
const dayOffset = (days: number) => localDay(new Date(Date.now() + days * 86_400_000), TZ)!
const ENDED_ANSWER = '双十一期间下单的商品降价可以申请价格保护（测试用的过期条款）'
const LIVE_ANSWER = '本月在我们这里安装空调的客户可以预约一次免费清洗，在群里告诉我们方便的时间即可。'

/** The shipped knowledge, with campaign dates around today: one ended last week, one running. */
function knowledgeDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-commerce-'))
  cpSync(resolve('config/knowledge'), dir, { recursive: true })
  writeFileSync(
    join(dir, 'commerce.yaml'),
    `entries:
  - { id: price-protection-ended, version: 3, kind: campaign, title: 双十一价保, validFrom: "${dayOffset(-40)}", validTo: "${dayOffset(-7)}", questions: [双十一价保], answer: "${ENDED_ANSWER}" }
  - { id: cleaning-now, version: 1, kind: campaign, title: 免费清洗, validFrom: "${dayOffset(-3)}", validTo: "${dayOffset(20)}", questions: [免费清洗], answer: "${LIVE_ANSWER}" }
  - { id: invoice-policy, version: 2, kind: evergreen, title: 发票, questions: [开发票], answer: 订单完成后可以在订单页面申请电子发票。 }
campaignWords: [活动, 优惠, 价保]
`,
  )
  return dir
}

interface Row {
  [k: string]: any
}

describe('commerce context: progress from the order service, campaign knowledge (sandbox tenant, real PostgreSQL and Redis)', () => {
  let h: SandboxHarness
  let dir: string
  const q = (sql: string, params: unknown[] = []): Promise<Row[]> => h.runtime.ds.query(sql, params)
  const caseOf = async (customer: string) => (await q(`SELECT * FROM cases WHERE customer_key = $1 ORDER BY id DESC LIMIT 1`, [customer]))[0]!
  const lastMessage = async (text: string) => (await q(`SELECT * FROM messages WHERE text = $1 ORDER BY id DESC LIMIT 1`, [text]))[0]!
  const events = async (caseId: number, kind: string) => (await q(`SELECT payload FROM case_events WHERE case_id = $1 AND kind = $2 ORDER BY seq`, [caseId, kind])).map((r) => r.payload)
  const openAttention = async () => q(`SELECT * FROM attention_items WHERE cleared_at IS NULL ORDER BY id`)
  // a handler answering in the group is a person acting: what waited for one is cleared
  const personActs = async (group: string) => sayAndSettle(h, { as: 'wx-handler-wang', group, text: '我来帮您看一下' })
  const zhangOrder = 'DD20261101001'

  beforeAll(async () => {
    dir = knowledgeDir()
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.paths = { ...tenant.paths, knowledge: dir }
    // a lookup slower than this is a failure (the fake's slow mode answers after 3 s)
    tenant.orders.lookup = { ...tenant.orders.lookup!, timeoutMs: 400 }
    h = await startSandbox({ tenant, env: { BATON_SANDBOX_ORDERS: 'on', BATON_API_TOKENS: API_TOKENS_ENV } })
    h.runtime.orderService!.slowMs = 3000
    // a partner request opens Mr Zhang's case for his order (his wife must act)
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: `订单${zhangOrder}，麻烦让客户拍一下安装位置照片` })
  })
  afterAll(async () => {
    await h?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('answers a progress question with the real logistics status, directly (order_progress is automatic), and records the lookup', async () => {
    const order = h.runtime.orderService!.get(zhangOrder)!
    h.runtime.orderService!.set({ ...order, status: 'SHIPPED', logistics: { company: '顺丰速运', tracking_no: 'SF1234567890', estimated_delivery: dayOffset(1) } })
    await sayAndSettle(h, { as: 'wx-zhang', group: 'cust-zhang', text: '我的快递到哪了？' })
    await sendsSettled(h)
    const said = botSaid(h, 'cust-zhang').at(-1)!
    expect(said).toContain(`您的订单${zhangOrder}：已发货，顺丰速运 SF1234567890，预计明天送达。`)
    // and the case's own waiting state
    expect(said).toContain('目前需要您协助联系现场的家人或同事配合')
    // what customers may not see stays out (the receiver's address and phone)
    expect(said).not.toContain('示例路')
    const c = await caseOf('zhang')
    const [lookup] = await events(Number(c.id), 'order_lookup')
    expect(lookup).toMatchObject({ orderNo: zhangOrder, ok: true, status: 'shipped', rawStatus: 'SHIPPED', carrier: '顺丰速运', trackingNo: 'SF1234567890', cached: false })
    expect(lookup.source).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/orders\/\{order_no\}$/)
    expect(lookup.fieldsUsed).toEqual(['status', 'carrier', 'trackingNo', 'eta', 'items'])
    const drafts = await events(Number(c.id), 'draft_created')
    expect(drafts.at(-1)).toMatchObject({ category: 'order_progress', mode: 'send_direct', template: { id: 'order-progress', version: 1 } })
  })

  it('the order service down: a person is asked with the reason, nothing is sent to the customer', async () => {
    h.runtime.orderService!.mode = 'down'
    const before = botSaid(h, 'cust-zhang').length
    const text = '请问现在发货了吗？'
    await sayAndSettle(h, { as: 'wx-zhang', group: 'cust-zhang', text })
    await sendsSettled(h)
    expect(botSaid(h, 'cust-zhang')).toHaveLength(before)
    expect((await lastMessage(text)).mode).toBe('needs_person')
    const item = (await openAttention()).at(-1)!
    expect(item.reasons).toEqual(['order_lookup_failed'])
    expect(botSaid(h, 'internal').at(-1)).toContain('订单查询失败或超时')
    const lookup = (await events(Number((await caseOf('zhang')).id), 'order_lookup')).at(-1)
    expect(lookup).toMatchObject({ orderNo: zhangOrder, ok: false, reason: 'unavailable', detail: 'HTTP 503' })
    h.runtime.orderService!.mode = 'up'
    await personActs('cust-zhang')
  })

  it('the order service too slow: the lookup times out, a person is asked, nothing is sent', async () => {
    h.runtime.orderService!.mode = 'slow'
    const before = botSaid(h, 'cust-zhang').length
    const text = '东西什么时候能到？'
    const started = Date.now()
    await sayAndSettle(h, { as: 'wx-zhang', group: 'cust-zhang', text })
    await sendsSettled(h)
    // decided on the timeout, not on the slow answer
    expect(Date.now() - started).toBeLessThan(2900)
    expect(botSaid(h, 'cust-zhang')).toHaveLength(before)
    expect((await lastMessage(text)).mode).toBe('needs_person')
    expect((await openAttention()).at(-1)!.reasons).toEqual(['order_lookup_failed'])
    const lookup = (await events(Number((await caseOf('zhang')).id), 'order_lookup')).at(-1)
    expect(lookup).toMatchObject({ ok: false, reason: 'timeout' })
    h.runtime.orderService!.mode = 'up'
    await personActs('cust-zhang')
  })

  it('the order says delivered while the customer asks where it is: a person, nothing sent', async () => {
    const order = h.runtime.orderService!.get(zhangOrder)!
    h.runtime.orderService!.set({ ...order, status: 'SIGNED' })
    const before = botSaid(h, 'cust-zhang').length
    const text = '快递到哪了？'
    await sayAndSettle(h, { as: 'wx-zhang', group: 'cust-zhang', text })
    await sendsSettled(h)
    expect(botSaid(h, 'cust-zhang')).toHaveLength(before)
    expect((await lastMessage(text)).mode).toBe('needs_person')
    expect((await openAttention()).at(-1)!.reasons).toContain('verification_conflict')
    expect((await events(Number((await caseOf('zhang')).id), 'order_lookup')).at(-1)).toMatchObject({ ok: true, status: 'delivered', rawStatus: 'SIGNED' })
    await personActs('cust-zhang')
  })

  it('an ended campaign is never drafted: a person is told "活动已结束"', async () => {
    const text = '双十一价保现在还能申请吗？'
    await sayAndSettle(h, { as: 'wx-zhang', group: 'cust-zhang', text })
    await sendsSettled(h)
    expect((await lastMessage(text)).mode).toBe('needs_person')
    expect((await openAttention()).at(-1)!.reasons).toContain('campaign_ended')
    expect(botSaid(h, 'internal').at(-1)).toContain('活动已结束')
    const leaked = await q(`SELECT id FROM drafts WHERE text LIKE '%' || $1 || '%' OR knowledge::text LIKE '%price-protection-ended%'`, [ENDED_ANSWER.slice(0, 12)])
    expect(leaked).toEqual([])
    expect(botSaid(h, 'cust-zhang').some((t) => t.includes(ENDED_ANSWER.slice(0, 12)))).toBe(false)
    await personActs('cust-zhang')
  })

  it('a running campaign is answered from knowledge, for review, and the draft records the entries it used', async () => {
    const text = '你们那个免费清洗怎么预约？'
    await sayAndSettle(h, { as: 'wx-zhang', group: 'cust-zhang', text })
    const d = (await q(`SELECT * FROM drafts ORDER BY id DESC LIMIT 1`))[0]!
    expect(d).toMatchObject({ category: 'knowledge_answer', mode: 'review_before_send', status: 'pending', template_id: 'knowledge-answer' })
    expect(d.text).toContain(LIVE_ANSWER)
    expect(d.knowledge.entries).toEqual([{ id: 'cleaning-now', version: 1, hash: expect.stringMatching(/^[0-9a-f]{64}$/), kind: 'campaign' }])
  })

  it('the evidence page shows the order lookups and the knowledge the drafts used', async () => {
    const c = await caseOf('zhang')
    const res = await apiClient(h).call('GET', `/api/v1/cases/${c.id}/evidence.html`, { as: 'viewer' })
    expect(res.status).toBe(200)
    expect(res.text).toContain('知识与订单查询')
    // in words: the kind of knowledge and its version, each lookup's outcome; ids, hashes and the
    // service's answer are in the raw record folded beside the line
    expect(res.text).toMatch(/草稿#\d+（[^）]+）：模板第1版；活动第1版<details>/)
    expect(res.text).toMatch(/&quot;id&quot;: &quot;cleaning-now&quot;,\s*&quot;hash&quot;: &quot;[0-9a-f]{64}&quot;/)
    expect(res.text).toContain('order-progress')
    expect(res.text).toMatch(/订单 DD20261101001：[^<]*查询失败（订单系统不可用）<details><summary>原始记录<\/summary><pre>[^<]*HTTP 503/)
    expect(res.text).toContain('查询失败（订单系统超时）')
  })

  it('the sandbox changes an order through /sandbox and the next answer says so', async () => {
    const api = apiClient(h)
    const bad = await api.call('POST', `/sandbox/orders/${zhangOrder}`, { body: { status: 'shipped!' } })
    expect(bad.status).toBe(400)
    expect((await api.call('POST', '/sandbox/orders/NOPE', { body: { status: 'SHIPPED' } })).status).toBe(404)
    expect((await api.call('POST', '/sandbox/order-service', { body: { mode: 'down' } })).body).toEqual({ mode: 'down' })
    expect((await api.call('GET', '/sandbox/orders')).body.mode).toBe('down')
    expect((await api.call('POST', '/sandbox/order-service', { body: { mode: 'sideways' } })).status).toBe(400)
    await api.call('POST', '/sandbox/order-service', { body: { mode: 'up' } })
    const ok = await api.call('POST', `/sandbox/orders/${zhangOrder}`, { body: { status: 'DELIVERING', company: '京东物流', trackingNo: 'JD0099887766', eta: dayOffset(0) } })
    expect(ok.status).toBe(200)
    const before = botSaid(h, 'cust-zhang').length
    await sayAndSettle(h, { as: 'wx-zhang', group: 'cust-zhang', text: '订单发货了吗？' })
    // a handler answered in this group by hand a moment ago (personActs): the automatic answer
    // waits for that person instead of going out on its own, and says the new status
    const d = (await q(`SELECT * FROM drafts WHERE target_group_key = 'cust-zhang' ORDER BY id DESC LIMIT 1`))[0]!
    expect(d).toMatchObject({ category: 'order_progress', mode: 'review_before_send', status: 'pending' })
    expect(d.risk_flags).toContain('person_engaged')
    expect(d.text).toContain('正在派送，京东物流 JD0099887766，预计今天送达')
    expect(botSaid(h, 'cust-zhang')).toHaveLength(before)
    // approved, it reaches the customer as it stands
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/approve ${d.id}` })
    await eventually(() => botSaid(h, 'cust-zhang').length > before)
    expect(botSaid(h, 'cust-zhang').at(-1)).toContain('正在派送，京东物流 JD0099887766，预计今天送达')
  })
})
