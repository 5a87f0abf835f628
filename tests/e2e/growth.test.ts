import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { botSaid, sayAndSettle, seen, sendsSettled } from '../support/groups.js'
import { eventually } from '../support/test-env.js'

describe('growth through the mock tenant: welcomes, tag rules, /tag commands', () => {
  let h: SandboxHarness
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => h.runtime.ds.query(sql, params)

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.outbound = { ...tenant.outbound, perGroupPerMinute: 1000 }
    // no quiet hours here (start = end), whatever time the suite runs; holding is tested apart
    tenant.policy = { ...(tenant.policy as object), quietHours: { start: '00:00', end: '00:00' } } as typeof tenant.policy
    h = await startSandbox({ tenant })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('welcomes a newcomer to a typed group once, by name, even when they join twice', async () => {
    const id = h.runtime.sandbox!.join('members', { name: '小李' })
    await eventually(async () => (await q(`SELECT 1 FROM group_welcomes WHERE member_id = $1`, [id])).length === 1)
    await sendsSettled(h)
    h.runtime.sandbox!.leave('members', '小李')
    await eventually(async () => (await q(`SELECT 1 FROM contact_events WHERE kind = 'left_group'`)).length === 1)
    h.runtime.sandbox!.join('members', { name: '小李' })
    await eventually(async () => (await q(`SELECT 1 FROM contact_events WHERE kind = 'joined_group'`)).length === 2)
    await sendsSettled(h)
    const welcomes = botSaid(h, 'members').filter((t) => t.startsWith('欢迎'))
    expect(welcomes).toEqual(['欢迎小李加入会员交流群！🎉 群里会分享使用小贴士和会员活动；有售后问题直接在群里说，我们会尽快跟进。'])
    const [send] = await q<{ kind: string; status: string }>(`SELECT kind, status FROM sends WHERE kind = 'welcome'`)
    expect(send).toEqual({ kind: 'welcome', status: 'sent' })
    // a group without a typed welcome greets nobody; staff joining are not contacts
    h.runtime.sandbox!.join('cust-zhao', { id: 'wx-handler-chen', name: '陈明' })
    h.runtime.sandbox!.join('partner-anxin', { name: '路人甲' })
    await h.runtime.session!.drain()
    expect(await q(`SELECT 1 FROM contacts WHERE wecom_id IN ('wx-handler-chen') OR name = '路人甲'`)).toEqual([])
  })

  it('the sandbox lets a newcomer join over HTTP, and they are welcomed', async () => {
    const addr = h.runtime.server!.address()
    const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
    const res = await fetch(`${base}/sandbox/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ group: 'members', name: '小王' }) })
    expect(res.status).toBe(202)
    await eventually(async () => (await q(`SELECT 1 FROM sends WHERE kind = 'welcome' AND text LIKE '欢迎小王%'`)).length === 1)
    const bad = await fetch(`${base}/sandbox/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ group: 'members' }) })
    expect(bad.status).toBe(400)
  })

  it('the join rule tagged the newcomer, and the log says which rule did it and when', async () => {
    const [contact] = await q<{ id: string; stage: string }>(`SELECT id, stage FROM contacts WHERE name = '小李'`)
    const tags = await q<{ tag: string; source: string; applied_by: string }>(`SELECT tag, source, applied_by FROM contact_tags WHERE contact_id = $1 AND removed_at IS NULL ORDER BY tag`, [contact!.id])
    expect(tags).toEqual([
      { tag: '会员', source: 'rule', applied_by: 'joined-members' },
      { tag: '新客', source: 'rule', applied_by: 'joined-new' },
    ])
    expect(contact!.stage).toBe('新客')
    const events = await q<{ kind: string; detail: Record<string, string> }>(`SELECT kind, detail FROM contact_events WHERE contact_id = $1 AND kind = 'tag_added' ORDER BY id`, [contact!.id])
    expect(events.map((e) => [e.detail['tag'], e.detail['source'], e.detail['by']])).toEqual([
      ['会员', 'rule', 'joined-members'],
      ['新客', 'rule', 'joined-new'],
    ])
  })

  it('a customer message becomes contact activity; a keyword rule tags them', async () => {
    await sayAndSettle(h, { as: 'wx-zhao', group: 'cust-zhao', text: '你们有团购价吗' })
    await h.runtime.contactActivity!.settle()
    const [c] = await q<{ id: string; first_inbound_at: Date | null; last_inbound_at: Date | null; person_id: string }>(
      `SELECT id, person_id, first_inbound_at, last_inbound_at FROM contacts WHERE wecom_id = 'wx-zhao'`,
    )
    expect(c!.person_id).toBe('wx-zhao')
    expect(c!.last_inbound_at).not.toBeNull()
    // messages are not copied into contact_events: the contact's message events are read from messages
    // (the message also opened a service case: that is a case_opened event of its own)
    const events = await q<{ kind: string }>(`SELECT kind FROM contact_events WHERE contact_id = $1 ORDER BY id`, [c!.id])
    expect(events.map((e) => e.kind).sort()).toEqual(['case_opened', 'tag_added'])
    const shown = await h.runtime.growth!.growth.eventsOf(Number(c!.id), 10)
    expect(shown.map((e) => e.kind).sort()).toEqual(['case_opened', 'message', 'tag_added'])
    const [tag] = await q(`SELECT tag, source, applied_by FROM contact_tags WHERE contact_id = $1`, [c!.id])
    expect(tag).toEqual({ tag: '采购意向', source: 'rule', applied_by: 'bulk-interest' })
    // staff talking in a customer group are not contacts
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'cust-zhao', text: '您好，我们马上处理' })
    await h.runtime.contactActivity!.settle()
    expect(await q(`SELECT 1 FROM contacts WHERE wecom_id = 'wx-handler-wang'`)).toEqual([])
  })

  it('a complaint on a service case tags the contact at risk, applied by that case', async () => {
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: 'DD20261101001 麻烦让客户上传一下空调安装位置的照片' })
    const [kase] = await q<{ id: string }>(`SELECT id FROM cases WHERE customer_key = 'zhang'`)
    await sayAndSettle(h, { as: '张先生', group: 'cust-zhang', text: '拖了一个礼拜还没装好，我要投诉你们' })
    await h.runtime.contactActivity!.settle()
    const rows = await q(`SELECT t.tag, t.source, t.applied_by FROM contact_tags t JOIN contacts c ON c.id = t.contact_id WHERE c.wecom_id = 'wx-zhang' AND t.removed_at IS NULL`)
    expect(rows).toEqual([{ tag: '流失风险', source: 'case', applied_by: kase!.id }])
    const [event] = await q<{ detail: Record<string, string> }>(`SELECT e.detail FROM contact_events e JOIN contacts c ON c.id = e.contact_id WHERE c.wecom_id = 'wx-zhang' AND e.kind = 'tag_added'`)
    expect(event!.detail).toMatchObject({ tag: '流失风险', source: 'case', by: kase!.id })
  })

  it('/tag, /untag and /tags from a handler; an exclusive dimension replaces the old tag', async () => {
    // tags a rule applied name what set the rule off, never the rule's config key
    await sayAndSettle(h, { as: 'wx-handler-chen', group: 'internal', text: '/tags 小李' })
    await sendsSettled(h)
    const byRule = seen(h, 'internal').at(-1)!
    expect(byRule).toMatch(/· 会员（[^）]+）— 规则·入群，/)
    expect(byRule).not.toMatch(/[A-Za-z]/)
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: '/tag 小李 VIP' })
    await sendsSettled(h)
    expect(seen(h, 'internal').at(-1)).toBe('🏷 已给小李打上标签「VIP」。')
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: '/tag 小李 活跃' })
    await sendsSettled(h)
    expect(seen(h, 'internal').at(-1)).toBe('🏷 已给小李打上标签「活跃」（替换了同一维度的「新客」）。')
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: '/untag 小李 会员' })
    await sendsSettled(h)
    expect(seen(h, 'internal').at(-1)).toBe('已去掉小李的标签「会员」。')
    await sayAndSettle(h, { as: 'wx-handler-chen', group: 'internal', text: '/tags 小李' })
    await sendsSettled(h)
    const answer = seen(h, 'internal').at(-1)!.split('\n')
    expect(answer[0]).toBe('小李的标签：')
    expect(answer.slice(1).map((l) => l.replace(/，.*$/, ''))).toEqual(['· VIP（客户价值）— 手动·王小美', '· 活跃（生命周期）— 手动·王小美'])
    const [c] = await q<{ stage: string }>(`SELECT stage FROM contacts WHERE name = '小李'`)
    expect(c!.stage).toBe('活跃')
    const removed = await q(`SELECT tag, removed_by FROM contact_tags WHERE removed_at IS NOT NULL ORDER BY id`)
    expect(removed).toEqual([
      { tag: '会员', removed_by: 'wx-handler-wang' },
      { tag: '新客', removed_by: 'wx-handler-wang' },
    ])
  })

  it('bad /tag input gets a short Chinese answer and changes nothing', async () => {
    const before = await q(`SELECT count(*)::int AS n FROM contact_tags`)
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: '/tag 小李 超级大客户' })
    await sendsSettled(h)
    expect(seen(h, 'internal').at(-1)).toBe('没有标签「超级大客户」。可用的标签：新客、活跃、沉睡、VIP、会员、采购意向、流失风险')
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: '/tag 王五 VIP' })
    await sendsSettled(h)
    expect(seen(h, 'internal').at(-1)).toMatch(/^找不到客户「王五」/)
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: '/tag 小李' })
    await sendsSettled(h)
    expect(seen(h, 'internal').at(-1)).toMatch(/^用法：|\/tag <客户> <标签>/)
    expect(await q(`SELECT count(*)::int AS n FROM contact_tags`)).toEqual(before)
  })

  it('/tag from someone without the role is refused, and nothing is tagged', async () => {
    const before = await q(`SELECT count(*)::int AS n FROM contact_tags`)
    await sayAndSettle(h, { as: 'wx-zhang', text: '/tag 小李 VIP' })
    await sendsSettled(h)
    const direct = (await q<{ text: string }>(`SELECT text FROM sends WHERE contact_id = 'wx-zhang' ORDER BY id DESC LIMIT 1`))[0]
    expect(direct?.text).toBe('抱歉，你没有执行该命令的权限。')
    expect(await q(`SELECT count(*)::int AS n FROM contact_tags`)).toEqual(before)
  })
})
