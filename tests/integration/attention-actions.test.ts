import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { sayAndSettle, seen, sendsSettled } from '../support/groups.js'
import { apiClient, API_TOKENS_ENV } from '../support/api-client.js'

const CHEN_TOKEN = 'chen-token-0123456789-7Qm2xVp9LkR4sT8w'

describe('HTTP API: acting on an attention item (reply, open a case, take over), each in the evidence trail', () => {
  let h: SandboxHarness
  let api: ReturnType<typeof apiClient>
  const item = async (text: string) => {
    const rows = (await h.runtime.ds.query(`SELECT id, case_id, group_key, cleared_by, clear_note FROM attention_items WHERE text = $1 ORDER BY id DESC LIMIT 1`, [text])) as {
      id: string
      case_id: string | null
      group_key: string | null
      cleared_by: string | null
      clear_note: string | null
    }[]
    expect(rows, `an attention item for ${text}`).toHaveLength(1)
    return { ...rows[0]!, id: Number(rows[0]!.id), caseId: rows[0]!.case_id === null ? null : Number(rows[0]!.case_id) }
  }
  const chen = (path: string, body: unknown = {}) => api.call('POST', path, { token: CHEN_TOKEN, body })
  const trail = async (caseId: number) =>
    (await h.runtime.ds.query(`SELECT kind, actor, payload FROM case_events WHERE case_id = $1 ORDER BY seq`, [caseId])) as { kind: string; actor: string; payload: Record<string, unknown> }[]

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.outbound = { ...tenant.outbound, perGroupPerMinute: 1000 }
    h = await startSandbox({ tenant, env: { BATON_API_TOKENS: `${API_TOKENS_ENV},wx-handler-chen:handler:${CHEN_TOKEN}` } })
    api = apiClient(h)
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: 'DD20261101001 麻烦让客户上传一下空调安装位置的照片' })
    await sayAndSettle(h, { as: '张先生', group: 'cust-zhang', text: '我要投诉，师傅把墙弄坏了' })
    // someone nobody registered asks in the public group: no customer, so no case
    h.runtime.sandbox!.join('members', { name: '路人甲' })
    await sayAndSettle(h, { as: '路人甲', group: 'members', text: '你们的退款什么时候到账？' })
    await sayAndSettle(h, { as: '赵女士', group: 'members', text: '我那个退款什么时候到账？' })
    await sayAndSettle(h, { as: '张先生', group: 'cust-zhang', text: '插座有股焦糊味' })
    await sendsSettled(h)
  })
  afterAll(async () => {
    await h?.close()
  })

  it('lists the queue oldest first on request', async () => {
    const newest = (await api.call('GET', '/api/v1/attention', { as: 'viewer' })).body.items.map((i: { id: number }) => i.id)
    const oldest = (await api.call('GET', '/api/v1/attention?order=oldest', { as: 'viewer' })).body.items.map((i: { id: number }) => i.id)
    expect(newest.length).toBeGreaterThan(1)
    expect(oldest).toEqual([...newest].reverse())
    expect((await api.call('GET', '/api/v1/attention?order=sideways', { as: 'viewer' })).status).toBe(400)
  })

  it('reply: a leaking text sends nothing; a token named after nobody may not; a clean reply reaches the group, clears the item and is in the trail', async () => {
    const complaint = await item('我要投诉，师傅把墙弄坏了')
    const before = seen(h, 'cust-zhang').length
    const leak = await chen(`/api/v1/attention/${complaint.id}/reply`, { text: '张先生您好，加我微信13700000000细聊' })
    expect(leak.status).toBe(422)
    expect(leak.body.error.code).toBe('leak_guard')
    expect(leak.body.error.details.hits.map((x: { kind: string }) => x.kind)).toContain('phone')
    const nobody = await api.call('POST', `/api/v1/attention/${complaint.id}/reply`, { as: 'handler', body: { text: '张先生您好' } })
    expect(nobody.status).toBe(403)
    expect(nobody.body.error.details.reason).toBe('not_a_person')
    expect((await chen(`/api/v1/attention/${complaint.id}/reply`, { text: '  ' })).status).toBe(400)
    await sendsSettled(h)
    expect(seen(h, 'cust-zhang')).toHaveLength(before)
    expect((await item('我要投诉，师傅把墙弄坏了')).cleared_by).toBeNull()

    const ok = await chen(`/api/v1/attention/${complaint.id}/reply`, { text: '张先生您好，非常抱歉，主管今天会联系您处理墙面问题。' })
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ result: 'replied', item: { status: 'cleared', clearedBy: 'wx-handler-chen', clearNote: '已回复客户' } })
    await sendsSettled(h)
    expect(seen(h, 'cust-zhang').slice(before)).toEqual(['张先生您好，非常抱歉，主管今天会联系您处理墙面问题。'])
    expect(await trail(complaint.caseId!)).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'staff_reply', actor: 'wx-handler-chen', payload: expect.objectContaining({ group: 'cust-zhang', attentionId: complaint.id }) })]),
    )
    // acted on already: a second reply is refused, nothing is sent twice
    expect((await chen(`/api/v1/attention/${complaint.id}/reply`, { text: '张先生您好' })).status).toBe(409)
  })

  it("open a case: needs a customer for a message nobody's case holds, refuses an item that has one; the opener owns it", async () => {
    const refund = await item('你们的退款什么时候到账？')
    expect(refund.caseId).toBeNull()
    // a known customer's matter in the public group opened her case already, as in her own group
    const hers = await item('我那个退款什么时候到账？')
    const [herCase] = (await h.runtime.ds.query(`SELECT customer_key FROM cases WHERE id = $1`, [hers.caseId])) as { customer_key: string }[]
    expect(herCase).toEqual({ customer_key: 'zhao' })
    const noCustomer = await chen(`/api/v1/attention/${refund.id}/open-case`, { serviceType: 'after_sales' })
    expect(noCustomer.status).toBe(400)
    expect(noCustomer.body.error.details.reason).toBe('customer_required')
    const opened = await chen(`/api/v1/attention/${refund.id}/open-case`, { serviceType: 'after_sales', customer: 'zhao' })
    expect(opened.status).toBe(200)
    const caseId = opened.body.caseId as number
    const [kase] = (await h.runtime.ds.query(`SELECT owner_id, customer_key FROM cases WHERE id = $1`, [caseId])) as { owner_id: string; customer_key: string }[]
    expect(kase).toEqual({ owner_id: 'wx-handler-chen', customer_key: 'zhao' })
    expect((await trail(caseId))[0]).toMatchObject({ kind: 'case_opened', actor: 'wx-handler-chen' })
    expect(opened.body.item).toMatchObject({ status: 'cleared', clearNote: `已建案件#${caseId}` })

    const hazard = await item('插座有股焦糊味')
    const has = await chen(`/api/v1/attention/${hazard.id}/open-case`, { serviceType: 'after_sales' })
    expect(has.status).toBe(409)
    expect(has.body.error.details).toMatchObject({ reason: 'has_case', caseId: hazard.caseId })
  })

  it("take over: the case is the taker's, the item is cleared, the trail says who", async () => {
    const hazard = await item('插座有股焦糊味')
    const res = await chen(`/api/v1/attention/${hazard.id}/take`)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ result: 'taken_over', caseId: hazard.caseId, item: { status: 'cleared' } })
    const [kase] = (await h.runtime.ds.query(`SELECT owner_id, attention_since FROM cases WHERE id = $1`, [hazard.caseId])) as { owner_id: string; attention_since: Date | null }[]
    expect(kase).toEqual({ owner_id: 'wx-handler-chen', attention_since: null })
    expect(await trail(hazard.caseId!)).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'owner_set', actor: 'wx-handler-chen', payload: expect.objectContaining({ to: 'wx-handler-chen' }) })]))
    expect((await chen('/api/v1/attention/999999/take')).status).toBe(404)
  })
})
