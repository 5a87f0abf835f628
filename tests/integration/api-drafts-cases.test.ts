import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { sayAndSettle, seen, sendsSettled } from '../support/groups.js'
import { apiClient, API_TOKENS_ENV } from '../support/api-client.js'
import { SqlStore } from '../../src/adapters/db/sql-store.js'

const CHEN_TOKEN = 'chen-token-0123456789-7Qm2xVp9LkR4sT8w'
const PARTNER_TEXT = 'DD20261101001 麻烦让客户上传一下空调安装位置的照片，内部工单池已派单，师傅李工电话13912345678'

describe('HTTP API: cases and drafts, through the same use cases as the chat commands', () => {
  let h: SandboxHarness
  let api: ReturnType<typeof apiClient>
  const pending = async (): Promise<number[]> => (await api.call('GET', '/api/v1/drafts', { as: 'viewer' })).body.items.map((d: { id: number }) => d.id)
  const newDraft = async (text: string): Promise<number> => {
    const before = new Set(await pending())
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text })
    const id = (await pending()).find((x) => !before.has(x))
    expect(id, 'a new pending draft').toBeDefined()
    return id!
  }

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.outbound = { ...tenant.outbound, perGroupPerMinute: 1000 }
    h = await startSandbox({ tenant, env: { BATON_API_TOKENS: `${API_TOKENS_ENV},wx-handler-chen:handler:${CHEN_TOKEN}` } })
    api = apiClient(h)
  })
  afterAll(async () => {
    await h?.close()
  })

  it('lists the pending draft with the customer-safe text, the internal original and its target group', async () => {
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: PARTNER_TEXT })
    await sendsSettled(h)
    const res = await api.call('GET', '/api/v1/drafts', { as: 'viewer' })
    expect(res.status).toBe(200)
    expect(res.body.items).toHaveLength(1)
    const d = res.body.items[0]
    expect(d).toMatchObject({ id: 1, caseId: 1, status: 'pending', targetGroupKey: 'cust-zhang', targetGroupName: '张先生·空调安装服务群', original: PARTNER_TEXT, decidedBy: null })
    // policy.draftExpiry defaults to 24 h: the console shows when a missed send would happen
    expect(Date.parse(d.expiresAt) - Date.parse(d.createdAt)).toBe(24 * 3600_000)
    expect(d.text).not.toContain('工单池')
    expect(Array.isArray(d.risks)).toBe(true)
    expect((await api.call('GET', '/api/v1/drafts?status=approved', { as: 'viewer' })).body.items).toEqual([])
  })

  it('refuses decisions from a viewer (403) and without a token (401), and names a bad id (400) or an unknown one (404)', async () => {
    expect((await api.call('POST', '/api/v1/drafts/1/approve', { body: {} })).status).toBe(401)
    const viewer = await api.call('POST', '/api/v1/drafts/1/approve', { as: 'viewer', body: {} })
    expect(viewer.status).toBe(403)
    expect(viewer.body.error).toMatchObject({ code: 'forbidden', details: { need: 'handler' } })
    const bad = await api.call('POST', '/api/v1/drafts/x1/approve', { as: 'handler', body: {} })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toMatchObject({ code: 'bad_request', details: { field: 'id' } })
    const unknown = await api.call('POST', '/api/v1/drafts/999/approve', { as: 'handler', body: {} })
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.code).toBe('not_found')
    const extra = await api.call('POST', '/api/v1/drafts/1/approve', { as: 'handler', body: { force: 'yes' } })
    expect(extra.status).toBe(400)
    expect(extra.body.error.details.field).toBe('force')
    // none of that decided anything
    expect(await pending()).toEqual([1])
  })

  it('force needs a supervisor, like /approve <id> force', async () => {
    const res = await api.call('POST', '/api/v1/drafts/1/approve', { as: 'handler', body: { force: true } })
    expect(res.status).toBe(403)
    expect(res.body.error.details).toEqual({ need: 'supervisor' })
    expect(await pending()).toEqual([1])
  })

  it('approving sends the customer-safe text to the customer group once, attributed to api:<token name>', async () => {
    const [draft] = await h.runtime.ds.query(`SELECT text FROM drafts WHERE id = 1`)
    const res = await api.call('POST', '/api/v1/drafts/1/approve', { as: 'handler', body: {} })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ result: 'sent', draft: { id: 1, status: 'approved', decidedBy: 'api:hans', finalText: draft.text } })
    await sendsSettled(h)
    expect(seen(h, 'cust-zhang')).toEqual([draft.text])
    const [ev] = await h.runtime.ds.query(`SELECT actor, payload FROM case_events WHERE kind = 'draft_decided' ORDER BY id DESC LIMIT 1`)
    expect(ev.actor).toBe('api:hans')
    expect(ev.payload).toMatchObject({ draftId: 1, decision: 'approved' })
    // teammates in the internal group learn that the draft is handled, as with a typed /approve
    expect(seen(h, 'internal').at(-1)).toBe('🖥 hans 在控制台批准并发送了草稿#1（案件#1，发往「张先生·空调安装服务群」）。')
  })

  it('a second approve is a 409 naming who decided and when; nothing is sent twice', async () => {
    const res = await api.call('POST', '/api/v1/drafts/1/approve', { as: 'supervisor', body: {} })
    expect(res.status).toBe(409)
    expect(res.body.error.code).toBe('already_decided')
    expect(res.body.error.details).toMatchObject({ status: 'approved', decidedBy: 'api:hans' })
    expect(Date.parse(res.body.error.details.decidedAt)).not.toBeNaN()
    // the chat command sees the same decision
    await sayAndSettle(h, { as: 'wx-handler-chen', group: 'internal', text: '/approve 1' })
    await sendsSettled(h)
    expect(seen(h, 'internal').at(-1)).toMatch(/草稿#1 已于 .* 由api:hans处理（已通过发送），不会重复发送/)
    expect(seen(h, 'cust-zhang')).toHaveLength(1)
  })

  it("edit: a leaking text is blocked (200, result edit_blocked, nothing sent); approving then sends the original draft, a supervisor's force sends the blocked edit", async () => {
    const id = await newDraft('DD20261102007 让客户补一下发票照片')
    const blocked = await api.call('POST', `/api/v1/drafts/${id}/edit`, { as: 'handler', body: { text: '赵女士您好，麻烦加我微信13700000000发一下' } })
    expect(blocked.status).toBe(200)
    expect(blocked.body.result).toBe('edit_blocked')
    expect(blocked.body.hits.map((x: { kind: string }) => x.kind)).toContain('phone')
    expect(blocked.body.draft.status).toBe('pending')
    await sendsSettled(h)
    expect(seen(h, 'cust-zhao')).toEqual([])
    // plain approval sends the draft as shown for review, not the blocked edit
    const original = blocked.body.draft.text as string
    const approve = await api.call('POST', `/api/v1/drafts/${id}/approve`, { as: 'handler', body: {} })
    expect(approve.status).toBe(200)
    expect(approve.body).toMatchObject({ result: 'sent', sent: 'original', draft: { status: 'approved', finalText: original } })
    await sendsSettled(h)
    expect(seen(h, 'cust-zhao')).toEqual([original])
    expect(seen(h, 'internal').at(-1)).toContain('批准并发送了（原文；被外发检查拦下的修改稿未发送）草稿#')

    const second = await newDraft('DD20261102007 再让客户补一下保修卡照片')
    await api.call('POST', `/api/v1/drafts/${second}/edit`, { as: 'handler', body: { text: '赵女士您好，麻烦加我微信13700000000发一下保修卡' } })
    const forced = await api.call('POST', `/api/v1/drafts/${second}/approve`, { as: 'supervisor', body: { force: true } })
    expect(forced.status).toBe(200)
    expect(forced.body).toMatchObject({ sent: 'forced_edit', draft: { status: 'edited', decidedBy: 'api:sue' } })
    await sendsSettled(h)
    expect(seen(h, 'cust-zhao').at(-1)).toBe('赵女士您好，麻烦加我微信13700000000发一下保修卡')
  })

  it('edit with a clean text sends it; an empty text is a 400 naming text', async () => {
    const id = await newDraft('DD20261102007 再让客户拍一下铭牌')
    const empty = await api.call('POST', `/api/v1/drafts/${id}/edit`, { as: 'handler', body: { text: '   ' } })
    expect(empty.status).toBe(400)
    expect(empty.body.error.details.field).toBe('text')
    const long = await api.call('POST', `/api/v1/drafts/${id}/edit`, { as: 'handler', body: { text: '好'.repeat(4001) } })
    expect(long.body.error.details.field).toBe('text')
    const before = seen(h, 'cust-zhao').length
    const res = await api.call('POST', `/api/v1/drafts/${id}/edit`, { as: 'handler', body: { text: '赵女士您好，麻烦在群里发一下铭牌照片，谢谢！' } })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ result: 'sent', draft: { status: 'edited', finalText: '赵女士您好，麻烦在群里发一下铭牌照片，谢谢！' } })
    await sendsSettled(h)
    expect(seen(h, 'cust-zhao').slice(before)).toEqual(['赵女士您好，麻烦在群里发一下铭牌照片，谢谢！'])
  })

  it('reject sends nothing and records the reason; take is refused to a token that names no person', async () => {
    const rejectId = await newDraft('老张那边再让客户拍一下铭牌')
    const before = seen(h, 'cust-zhang').length
    const rejected = await api.call('POST', `/api/v1/drafts/${rejectId}/reject`, { as: 'handler', body: { reason: '已电话沟通' } })
    expect(rejected.status).toBe(200)
    expect(rejected.body).toMatchObject({ result: 'rejected', draft: { status: 'rejected', decidedBy: 'api:hans' } })
    const [row] = await h.runtime.ds.query(`SELECT decision_note FROM drafts WHERE id = $1`, [rejectId])
    expect(row.decision_note).toBe('已电话沟通')
    const takeId = await newDraft('老张那边让客户再确认一下安装时间')
    const owner = async () => (await h.runtime.ds.query(`SELECT c.owner_id FROM cases c JOIN drafts d ON d.case_id = c.id WHERE d.id = $1`, [takeId]))[0].owner_id
    const ownerBefore = await owner()
    // `hans` names no handler or supervisor: owning the case as `api:hans` would send its
    // reminders and escalations nowhere, so the take is refused and nothing changes
    const refused = await api.call('POST', `/api/v1/drafts/${takeId}/take`, { as: 'handler' })
    expect(refused.status).toBe(403)
    expect(refused.body.error).toMatchObject({ code: 'forbidden', reason: 'not_a_person' })
    expect(refused.body.error.message).toContain('names no handler or supervisor')
    expect((await api.call('GET', `/api/v1/drafts/${takeId}`, { as: 'viewer' })).body.draft.status).toBe('pending')
    expect(await owner()).toBe(ownerBefore)
    // (a take by a person is the last test: the case is theirs from then on)
    await api.call('POST', `/api/v1/drafts/${takeId}/reject`, { as: 'handler', body: {} })
    await sendsSettled(h)
    expect(seen(h, 'cust-zhang')).toHaveLength(before)
  })

  it('recall: a draft never sent is a 409; a sent one is recorded as a wrong send (the mock cannot recall)', async () => {
    const [rejected] = await h.runtime.ds.query(`SELECT id FROM drafts WHERE status = 'rejected' LIMIT 1`)
    const notSent = await api.call('POST', `/api/v1/drafts/${rejected.id}/recall`, { as: 'handler' })
    expect(notSent.status).toBe(409)
    expect(notSent.body.error.details.reason).toBe('not_sent')
    const res = await api.call('POST', '/api/v1/drafts/1/recall', { as: 'handler' })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ result: 'not_recalled', draftId: 1, caseId: 1 })
    const [ev] = await h.runtime.ds.query(`SELECT actor FROM case_events WHERE kind = 'recalled'`)
    expect(ev.actor).toBe('api:hans')
    expect((await api.call('POST', '/api/v1/drafts/1/recall', { as: 'handler' })).body.error.details.reason).toBe('already_recalled')
  })

  it('a decision while another event is being recorded on the same case waits its turn instead of failing', async () => {
    const id = await newDraft('老张那边让客户再拍一张外机照片')
    const [{ case_id: caseId }] = await h.runtime.ds.query(`SELECT case_id FROM drafts WHERE id = $1`, [id])
    await sendsSettled(h)
    // another writer (as a delivery does) locks the case, appends to its chain and commits a little later
    const other = new SqlStore(h.runtime.ds).transaction(async (tx) => {
      await tx.lockCase(Number(caseId))
      await tx.appendEvidence(Number(caseId), { kind: 'delivery', actor: 'test', at: new Date(), payload: { note: 'concurrent writer' } })
      await new Promise((r) => setTimeout(r, 400))
    })
    await new Promise((r) => setTimeout(r, 100))
    const res = await api.call('POST', `/api/v1/drafts/${id}/reject`, { as: 'handler', body: { reason: 'race' } })
    await other
    expect(res.status, res.text).toBe(200)
    expect((await api.call('GET', `/api/v1/cases/${caseId}/evidence`, { as: 'viewer' })).body.verified).toBe(true)
  })

  it('lists cases with filters, pagination and names resolved from the directory', async () => {
    const all = await api.call('GET', '/api/v1/cases', { as: 'viewer' })
    expect(all.status).toBe(200)
    expect(all.body.total).toBeGreaterThanOrEqual(2)
    expect(all.body.items).toHaveLength(all.body.total)
    const zhang = all.body.items.find((c: { customer: { key: string } }) => c.customer.key === 'zhang')
    expect(zhang).toMatchObject({
      customer: { key: 'zhang', name: '张先生' },
      groupKey: 'cust-zhang',
      contact: { key: 'wx-zhang', name: '张先生' },
      executor: { key: 'wx-zhang-wife', name: '张太太' },
      partner: { key: 'anxin', name: '安心安装服务' },
      overdue: false,
      labels: { serviceType: '售后服务' },
    })
    const byGroup = await api.call('GET', '/api/v1/cases?group=cust-zhao', { as: 'viewer' })
    expect(byGroup.body.items.length).toBeGreaterThan(0)
    expect(byGroup.body.items.every((c: { customer: { key: string } }) => c.customer.key === 'zhao')).toBe(true)
    const byPartnerGroup = await api.call('GET', '/api/v1/cases?group=partner-anxin', { as: 'viewer' })
    expect(byPartnerGroup.body.total).toBe(all.body.items.filter((c: { partner: unknown }) => c.partner !== null).length)
    const byState = await api.call('GET', `/api/v1/cases?state=${zhang.state}&party=${zhang.waitingParty}`, { as: 'viewer' })
    expect(byState.body.items.map((c: { id: number }) => c.id)).toContain(zhang.id)
    expect(byState.body.items.every((c: { state: string; waitingParty: string }) => c.state === zhang.state && c.waitingParty === zhang.waitingParty)).toBe(true)
    expect((await api.call('GET', '/api/v1/cases?partner=nobody', { as: 'viewer' })).body).toEqual({ items: [], total: 0 })
    await h.runtime.ds.query(`UPDATE cases SET owner_id = 'wx-handler-wang' WHERE id = $1`, [zhang.id])
    const owned = await api.call('GET', '/api/v1/cases?owner=wx-handler-wang', { as: 'viewer' })
    expect(owned.body.items.map((c: { id: number }) => c.id)).toEqual([zhang.id])
    const page = await api.call('GET', '/api/v1/cases?limit=1&offset=1', { as: 'viewer' })
    expect(page.body.items).toHaveLength(1)
    expect(page.body.items[0].id).toBe(all.body.items[1].id)
    expect(page.body.total).toBe(all.body.total)
  })

  it('filters overdue cases by their due time', async () => {
    const [zhao] = await h.runtime.ds.query(`SELECT id FROM cases WHERE customer_key = 'zhao' AND closed_at IS NULL ORDER BY id LIMIT 1`)
    await h.runtime.ds.query(`UPDATE cases SET due_at = now() - interval '1 hour' WHERE id = $1`, [zhao.id])
    const overdue = await api.call('GET', '/api/v1/cases?overdue=true', { as: 'viewer' })
    expect(overdue.body.items.map((c: { id: number }) => c.id)).toEqual([Number(zhao.id)])
    expect(overdue.body.items[0].overdue).toBe(true)
    const notOverdue = await api.call('GET', '/api/v1/cases?overdue=false', { as: 'viewer' })
    expect(notOverdue.body.items.map((c: { id: number }) => c.id)).not.toContain(Number(zhao.id))
    expect(notOverdue.body.total + overdue.body.total).toBe((await api.call('GET', '/api/v1/cases', { as: 'viewer' })).body.total)
  })

  it('names the bad query field (400) and needs a token (401)', async () => {
    expect((await api.call('GET', '/api/v1/cases')).status).toBe(401)
    for (const [query, field] of [
      ['state=closed', 'state'],
      ['party=everyone', 'party'],
      ['overdue=yes', 'overdue'],
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['offset=-1', 'offset'],
      ['colour=red', 'colour'],
      ['state=completed&state=cancelled', 'state'],
    ] as const) {
      const res = await api.call('GET', `/api/v1/cases?${query}`, { as: 'viewer' })
      expect(res.status, query).toBe(400)
      expect(res.body.error.details.field, query).toBe(field)
    }
  })

  it('shows one case with its timeline and drafts; unknown is 404, malformed is 400', async () => {
    const res = await api.call('GET', '/api/v1/cases/1', { as: 'viewer' })
    expect(res.status).toBe(200)
    expect(res.body.case).toMatchObject({ id: 1, customer: { name: '张先生' }, missingItems: expect.any(Array), cancellationReason: null })
    expect(res.body.timeline.map((e: { seq: number }) => e.seq)).toEqual(res.body.timeline.map((_: unknown, i: number) => i + 1))
    expect(res.body.timeline.map((e: { kind: string }) => e.kind)).toEqual(expect.arrayContaining(['case_opened', 'draft_created', 'draft_decided', 'recalled']))
    expect(res.body.drafts.map((d: { id: number }) => d.id)).toContain(1)
    expect((await api.call('GET', '/api/v1/cases/424242', { as: 'viewer' })).status).toBe(404)
    const bad = await api.call('GET', '/api/v1/cases/0', { as: 'viewer' })
    expect(bad.status).toBe(400)
    expect(bad.body.error.details.field).toBe('id')
  })

  it('exports the evidence as JSON and as a printable Chinese page with the chain verdict', async () => {
    const json = await api.call('GET', '/api/v1/cases/1/evidence', { as: 'viewer' })
    expect(json.status).toBe(200)
    expect(json.body.verified).toBe(true)
    const page = await api.call('GET', '/api/v1/cases/1/evidence.html', { as: 'viewer' })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(page.text).toContain('案件#1 证据记录')
    expect(page.text).toContain(`证据链完整：共 ${json.body.events.length} 条记录`)
    expect(page.text).toContain('张先生')
    expect(page.text).toContain('审核处理')
    expect(page.text).toContain('api:hans')
    expect((await api.call('GET', '/api/v1/cases/999/evidence.html', { as: 'viewer' })).status).toBe(404)
    expect((await api.call('GET', '/api/v1/cases/1/evidence.html')).status).toBe(401)
  })

  it('the printable page says so when the chain was tampered with', async () => {
    // the trail is append-only for the application; a tamperer with superuser rights disables the trigger
    await h.runtime.ds.query(`ALTER TABLE case_events DISABLE TRIGGER case_events_no_update`)
    await h.runtime.ds.query(`UPDATE case_events SET actor = 'someone-else' WHERE case_id = 1 AND seq = 2`)
    await h.runtime.ds.query(`ALTER TABLE case_events ENABLE TRIGGER case_events_no_update`)
    const page = await api.call('GET', '/api/v1/cases/1/evidence.html', { as: 'viewer' })
    expect(page.text).toContain('证据链校验未通过：第 2 条记录（内容与哈希不符）')
    expect(page.text).not.toContain('证据链完整')
    expect((await api.call('GET', '/api/v1/cases/1/evidence', { as: 'viewer' })).body.verified).toBe(false)
  })

  it('a token named after a configured handler acts as that person: taking a draft makes them the owner', async () => {
    const takeId = await newDraft('老张那边让客户再拍一张外机照片')
    const taken = await api.call('POST', `/api/v1/drafts/${takeId}/take`, { token: CHEN_TOKEN })
    expect(taken.status).toBe(200)
    expect(taken.body.draft).toMatchObject({ status: 'taken_over', decidedBy: 'wx-handler-chen' })
    const [kase] = await h.runtime.ds.query(`SELECT c.owner_id FROM cases c JOIN drafts d ON d.case_id = c.id WHERE d.id = $1`, [takeId])
    expect(kase.owner_id).toBe('wx-handler-chen')
    await sendsSettled(h)
    expect(seen(h, 'internal').at(-1)).toBe(`🖥 陈明 在控制台接管了草稿#${takeId}（案件#${taken.body.draft.caseId}，发往「张先生·空调安装服务群」）。`)
    expect((await api.call('POST', `/api/v1/drafts/${takeId}/take`, { token: CHEN_TOKEN })).status).toBe(409)
  })
})
