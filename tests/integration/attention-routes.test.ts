import SwaggerParser from '@apidevtools/swagger-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { sayAndSettle, sendsSettled } from '../support/groups.js'
import { apiClient, API_TOKENS, API_TOKENS_ENV } from '../support/api-client.js'

const CHEN_TOKEN = 'chen-token-0123456789-7Qm2xVp9LkR4sT8w'
const PARTNER_TEXT = 'DD20261101001 麻烦让客户上传一下空调安装位置的照片，内部工单池已派单，师傅李工电话13912345678'

interface Item {
  id: number
  caseId: number | null
  customer: { key: string; name: string } | null
  group: { key: string; name: string } | null
  speaker: { key: string; name: string }
  reasons: string[]
  reasonLabels: string[]
  text: string
  status: 'open' | 'cleared'
  createdAt: string
  clearedAt: string | null
  clearedBy: string | null
  clearNote: string | null
}

describe('HTTP API: the attention queue (messages waiting for a person)', () => {
  let h: SandboxHarness
  let api: ReturnType<typeof apiClient>
  /** ids of the items the messages below raised */
  const ids = { hazard: 0, human: 0, other: 0 }
  const openItems = async (query = ''): Promise<{ items: Item[]; total: number }> => {
    const res = await api.call('GET', `/api/v1/attention${query}`, { as: 'viewer' })
    expect(res.status).toBe(200)
    return res.body
  }
  const attentionSince = async (caseId: number): Promise<Date | null> =>
    ((await h.runtime.ds.query(`SELECT attention_since FROM cases WHERE id = $1`, [caseId])) as { attention_since: Date | null }[])[0]!.attention_since

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.outbound = { ...tenant.outbound, perGroupPerMinute: 1000 }
    h = await startSandbox({ tenant, env: { BATON_API_TOKENS: `${API_TOKENS_ENV},wx-handler-chen:handler:${CHEN_TOKEN}` } })
    api = apiClient(h)
    // case #1 for 张先生, opened by the partner's request; then a hazard on that case, and a
    // request for a person from 赵女士, who has no case #1
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: PARTNER_TEXT })
    await sayAndSettle(h, { as: '张先生', group: 'cust-zhang', text: '插座有股焦糊味' })
    await sayAndSettle(h, { as: '赵女士', group: 'cust-zhao', text: '转人工' })
    await sendsSettled(h)
    const rows = (await h.runtime.ds.query(`SELECT id, text FROM attention_items ORDER BY id`)) as { id: string; text: string }[]
    ids.hazard = Number(rows.find((r) => r.text === '插座有股焦糊味')?.id)
    ids.human = Number(rows.find((r) => r.text === '转人工')?.id)
  })
  afterAll(async () => {
    await h?.close()
  })

  it('lists the open items newest first, with names, Chinese reasons and the original text', async () => {
    expect(ids.hazard).toBeGreaterThan(0)
    expect(ids.human).toBeGreaterThan(0)
    const { items, total } = await openItems()
    expect(total).toBe(2)
    expect(items.map((i) => i.id)).toEqual([ids.human, ids.hazard])
    const [human, hazard] = items
    expect(hazard).toMatchObject({
      caseId: 1,
      customer: { key: 'zhang', name: '张先生' },
      group: { key: 'cust-zhang', name: '张先生·空调安装服务群' },
      speaker: { key: 'wx-zhang', name: '张先生' },
      text: '插座有股焦糊味',
      status: 'open',
      clearedAt: null,
    })
    expect(hazard!.reasons).toContain('safety')
    expect(hazard!.reasonLabels).toContain('安全隐患')
    expect(hazard!.reasonLabels).toHaveLength(hazard!.reasons.length)
    // whether 赵女士's request opens a case of her own is the pipeline's business, not the queue's
    expect(human).toMatchObject({ customer: { key: 'zhao', name: '赵女士' }, speaker: { name: '赵女士' }, text: '转人工' })
    expect(human!.reasonLabels).toContain('要求人工')
    expect(Date.parse(human!.createdAt)).toBeGreaterThanOrEqual(Date.parse(hazard!.createdAt))
  })

  it('filters by case and limits the list; total still counts every open item matching', async () => {
    const ofCase = await openItems('?caseId=1')
    expect(ofCase.items.map((i) => i.id)).toEqual([ids.hazard])
    expect(ofCase.total).toBe(1)
    expect((await openItems('?caseId=424242')).items).toEqual([])
    const limited = await openItems('?limit=1')
    expect(limited.items).toHaveLength(1)
    expect(limited.total).toBe(2)
    for (const [query, field] of [
      ['?caseId=abc', 'caseId'],
      ['?caseId=0', 'caseId'],
      ['?limit=0', 'limit'],
      ['?status=all', 'status'],
    ] as const) {
      const res = await api.call('GET', `/api/v1/attention${query}`, { as: 'viewer' })
      expect(res.status, query).toBe(400)
      expect(res.body.error, query).toMatchObject({ code: 'bad_request', details: { field } })
    }
  })

  it('one item by id; 404 for an unknown id, 400 for a malformed one', async () => {
    const res = await api.call('GET', `/api/v1/attention/${ids.hazard}`, { as: 'viewer' })
    expect(res.status).toBe(200)
    expect(res.body.item).toMatchObject({ id: ids.hazard, caseId: 1, status: 'open' })
    const unknown = await api.call('GET', '/api/v1/attention/424242', { as: 'viewer' })
    expect(unknown.status).toBe(404)
    expect(unknown.body.error).toMatchObject({ code: 'not_found', details: { entity: 'attention', id: 424242 } })
    for (const bad of ['x1', '0', '-3', '1.5']) {
      const res = await api.call('GET', `/api/v1/attention/${bad}`, { as: 'viewer' })
      expect(res.status, bad).toBe(400)
      expect(res.body.error, bad).toMatchObject({ code: 'bad_request', details: { field: 'id' } })
    }
  })

  it('is for staff tokens only: no token or an unknown one is 401, a viewer may read but not clear', async () => {
    for (const path of ['/api/v1/attention', `/api/v1/attention/${ids.hazard}`]) {
      expect((await api.call('GET', path)).status, path).toBe(401)
      // the sandbox's default token is replaced by BATON_API_TOKENS, the puppet token is no API token
      expect((await api.call('GET', path, { token: 'sandbox' })).status, path).toBe(401)
      expect((await api.call('GET', path, { token: h.env.WECHATY_PUPPET_SERVICE_TOKEN ?? 'puppet-token' })).status, path).toBe(401)
    }
    expect((await api.call('GET', '/api/v1/attention', { headers: { authorization: 'Basic abc' } })).status).toBe(401)
    expect((await api.call('POST', `/api/v1/attention/${ids.hazard}/clear`, { body: {} })).status).toBe(401)
    const viewer = await api.call('POST', `/api/v1/attention/${ids.hazard}/clear`, { as: 'viewer', body: {} })
    expect(viewer.status).toBe(403)
    expect(viewer.body.error).toMatchObject({ code: 'forbidden', details: { need: 'handler' } })
    // none of that cleared anything
    expect((await openItems()).total).toBe(2)
    expect(await attentionSince(1)).not.toBeNull()
  })

  it('validates the clear request: the id before the body, unknown fields by name, an unknown id is 404', async () => {
    const badId = await api.call('POST', '/api/v1/attention/x1/clear', { as: 'handler', body: { nope: 1 } })
    expect(badId.status).toBe(400)
    expect(badId.body.error.details.field).toBe('id')
    const extra = await api.call('POST', `/api/v1/attention/${ids.hazard}/clear`, { as: 'handler', body: { note: 'ok', by: 'someone' } })
    expect(extra.status).toBe(400)
    expect(extra.body.error.details.field).toBe('by')
    const long = await api.call('POST', `/api/v1/attention/${ids.hazard}/clear`, { as: 'handler', body: { note: '好'.repeat(501) } })
    expect(long.status).toBe(400)
    expect(long.body.error.details.field).toBe('note')
    const notObject = await api.call('POST', `/api/v1/attention/${ids.hazard}/clear`, { as: 'handler', rawBody: '{"note": ' })
    expect(notObject.status).toBe(400)
    const unknown = await api.call('POST', '/api/v1/attention/424242/clear', { as: 'handler', body: {} })
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.code).toBe('not_found')
    expect((await openItems()).total).toBe(2)
  })

  it("clearing takes the item off the queue, ends the case's wait for a person and records who and why", async () => {
    expect(await attentionSince(1)).not.toBeNull()
    const res = await api.call('POST', `/api/v1/attention/${ids.hazard}/clear`, { token: CHEN_TOKEN, body: { note: '  已电话联系客户，安排师傅上门检查  ' } })
    expect(res.status).toBe(200)
    // a token named after a configured handler acts as that person, as with drafts
    expect(res.body).toMatchObject({ result: 'cleared', item: { id: ids.hazard, status: 'cleared', clearedBy: 'wx-handler-chen', clearNote: '已电话联系客户，安排师傅上门检查' } })
    expect(Date.parse(res.body.item.clearedAt)).not.toBeNaN()
    const { items, total } = await openItems()
    expect(items.map((i) => i.id)).toEqual([ids.human])
    expect(total).toBe(1)
    expect(await attentionSince(1)).toBeNull()
    const kase = await api.call('GET', '/api/v1/cases/1', { as: 'viewer' })
    expect(kase.body.case.attentionSince).toBeNull()
    expect(kase.body.attention).toEqual([])
    const [ev] = (await h.runtime.ds.query(`SELECT actor, payload FROM case_events WHERE case_id = 1 AND kind = 'attention_cleared' ORDER BY seq DESC LIMIT 1`)) as { actor: string; payload: { note: string } }[]
    expect(ev).toMatchObject({ actor: 'wx-handler-chen', payload: { note: '已电话联系客户，安排师傅上门检查' } })
    expect((await api.call('GET', '/api/v1/cases/1/evidence', { as: 'viewer' })).body.verified).toBe(true)
    // the cleared item is still readable by id
    expect((await api.call('GET', `/api/v1/attention/${ids.hazard}`, { as: 'viewer' })).body.item.status).toBe('cleared')
  })

  it('clearing it again is a 409 naming who cleared it and when; nothing changes', async () => {
    const res = await api.call('POST', `/api/v1/attention/${ids.hazard}/clear`, { as: 'supervisor', body: { note: '再次处理' } })
    expect(res.status).toBe(409)
    expect(res.body.error.code).toBe('conflict')
    expect(res.body.error.message).toMatch(/already cleared by wx-handler-chen/)
    expect(res.body.error.details).toMatchObject({ status: 'cleared', clearedBy: 'wx-handler-chen' })
    const [row] = (await h.runtime.ds.query(`SELECT cleared_by, clear_note FROM attention_items WHERE id = $1`, [ids.hazard])) as { cleared_by: string; clear_note: string }[]
    expect(row).toEqual({ cleared_by: 'wx-handler-chen', clear_note: '已电话联系客户，安排师傅上门检查' })
  })

  it("a case detail lists its open items; the case's items appear there until cleared", async () => {
    await sayAndSettle(h, { as: '张先生', group: 'cust-zhang', text: '转人工' })
    const mine = (await openItems('?caseId=1')).items
    expect(mine).toHaveLength(1)
    ids.other = mine[0]!.id
    const kase = await api.call('GET', '/api/v1/cases/1', { as: 'viewer' })
    expect(kase.status).toBe(200)
    expect(kase.body.attention.map((i: Item) => i.id)).toEqual([ids.other])
    expect(kase.body.attention[0]).toMatchObject({ text: '转人工', speaker: { name: '张先生' }, status: 'open' })
    expect(Date.parse(kase.body.case.attentionSince)).not.toBeNaN()
  })

  it('two clears at once: one clears, the other is told it was already cleared (409)', async () => {
    const results = await Promise.all([
      api.call('POST', `/api/v1/attention/${ids.other}/clear`, { as: 'handler', body: {} }),
      api.call('POST', `/api/v1/attention/${ids.other}/clear`, { as: 'supervisor', body: {} }),
    ])
    expect(results.map((r) => r.status).sort()).toEqual([200, 409])
    const winner = results.find((r) => r.status === 200)!
    // an item cleared without a note says where it was cleared
    expect(winner.body.item).toMatchObject({ status: 'cleared', clearNote: 'cleared through the API' })
    expect(['api:hans', 'api:sue']).toContain(winner.body.item.clearedBy)
    expect(await attentionSince(1)).toBeNull()
    const events = (await h.runtime.ds.query(`SELECT count(*)::int AS n FROM case_events WHERE case_id = 1 AND kind = 'attention_cleared'`)) as { n: number }[]
    expect(events[0]!.n).toBe(2)
  })

  it("the console's session cookie works as the bearer token does", async () => {
    const login = await api.call('POST', '/api/v1/session', { body: { token: API_TOKENS.handler } })
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    expect((await api.call('GET', '/api/v1/attention', { cookie })).body.items.map((i: Item) => i.id)).toEqual([ids.human])
    const res = await api.call('POST', `/api/v1/attention/${ids.human}/clear`, { cookie, body: { note: '已在群里回复' } })
    expect(res.status).toBe(200)
    expect(res.body.item).toMatchObject({ clearedBy: 'api:hans', clearNote: '已在群里回复' })
    expect(await openItems()).toEqual({ items: [], total: 0 })
  })

  it('documents the three routes in the OpenAPI document', async () => {
    const res = await api.call('GET', '/api/v1/openapi.json')
    await SwaggerParser.validate(structuredClone(res.body))
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/v1/attention', '/api/v1/attention/{id}', '/api/v1/attention/{id}/clear']))
    const clear = res.body.paths['/api/v1/attention/{id}/clear'].post
    expect(Object.keys(clear.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404', '409']))
    expect(clear.requestBody.content['application/json'].schema.properties.note).toMatchObject({ type: 'string', maxLength: 500 })
    expect(res.body.paths['/api/v1/attention'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['caseId', 'limit']))
    expect(res.body.components.schemas).toHaveProperty('AttentionItem')
    // CaseDetail extends CaseSummary (allOf): the new field sits in its own part
    expect(JSON.stringify(res.body.components.schemas.CaseDetail)).toContain('"attentionSince"')
  })
})
