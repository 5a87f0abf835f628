import { eventually } from '../support/test-env.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { botSaid, sayAndSettle, seen, sendsSettled } from '../support/groups.js'

const PARTNER_TEXT = 'DD20261101001 麻烦让客户上传一下空调安装位置的照片，内部工单池已派单，师傅李工电话13912345678'

describe('review inside WeCom, as the people in the groups see it', () => {
  let h: SandboxHarness
  const draftIds = async (): Promise<number[]> => ((await h.runtime.ds.query(`SELECT id FROM drafts ORDER BY id`)) as { id: string }[]).map((r) => Number(r.id))

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    // many commands in one minute: lift the per-group send limit for this file
    tenant.outbound = { ...tenant.outbound, perGroupPerMinute: 1000 }
    h = await startSandbox({ tenant })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('partner request → review notice in the internal group, nothing in the customer group yet', async () => {
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: PARTNER_TEXT })
    await sendsSettled(h)
    const notice = seen(h, 'internal').find((t) => t.includes('待审核'))
    expect(notice).toBeDefined()
    expect(notice).toContain('/approve 1')
    expect(notice).toContain('〔内部原文·勿外发〕')
    expect(seen(h, 'cust-zhang')).toEqual([])
    const [kase] = await h.runtime.ds.query(`SELECT state, waiting_party FROM cases`)
    // 张太太 (the executor) is not 张先生 (the contact): the contact must coordinate her
    expect(kase).toEqual({ state: 'waiting_contact_coordination', waiting_party: 'contact' })
  })

  it('/approve sends exactly the customer-safe text once, none of the partner wording', async () => {
    const [draft] = await h.runtime.ds.query(`SELECT text FROM drafts WHERE id = 1`)
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: '/approve 1' })
    await sendsSettled(h)
    const customer = seen(h, 'cust-zhang')
    expect(customer).toEqual([draft.text])
    for (const leaked of ['工单池', '派单', '李工', '13912345678', '李师傅', '安心安装']) expect(customer[0]).not.toContain(leaked)
    expect(seen(h, 'internal').some((t) => t.includes('草稿#1 已批准'))).toBe(true)
  })

  it('the same /approve delivered again sends nothing twice and says who decided', async () => {
    await sayAndSettle(h, { as: 'wx-handler-chen', group: 'internal', text: '/approve 1' })
    await sendsSettled(h)
    expect(seen(h, 'cust-zhang')).toHaveLength(1)
    expect(seen(h, 'internal').at(-1)).toMatch(/草稿#1 已于 .* 由王小美处理（已通过发送），不会重复发送/)
  })

  it('/edit sends the edited text; an edit that leaks is blocked with the reason', async () => {
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: 'DD20261102007 让客户补一下发票照片' })
    const id = Math.max(...(await draftIds()))
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/edit ${id} 赵女士您好，麻烦加我微信13700000000发一下` })
    await sendsSettled(h)
    expect(seen(h, 'internal').at(-1)).toContain('未通过外发检查')
    expect(seen(h, 'cust-zhao')).toEqual([])
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/edit ${id} 赵女士您好，麻烦在群里发一下发票照片，谢谢！` })
    await sendsSettled(h)
    expect(seen(h, 'cust-zhao')).toEqual(['赵女士您好，麻烦在群里发一下发票照片，谢谢！'])
  })

  it('after a blocked edit, /approve sends the original draft as shown in the notice and says so; force sends only the blocked edit', async () => {
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: 'DD20261102007 让客户补一下保修卡照片' })
    const id = Math.max(...(await draftIds()))
    const [draft] = (await h.runtime.ds.query(`SELECT text FROM drafts WHERE id = $1`, [id])) as { text: string }[]
    const before = seen(h, 'cust-zhao').length
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/edit ${id} 赵女士您好，麻烦加我微信13700000000发一下` })
    await sendsSettled(h)
    expect(seen(h, 'internal').at(-1)).toContain(`或用 /approve ${id} 发送通知里的原草稿`)
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/approve ${id}` })
    await sendsSettled(h)
    expect(seen(h, 'internal').at(-1)).toContain(`草稿#${id} 已批准，发送的是通知里的原草稿`)
    expect(seen(h, 'cust-zhao').slice(before)).toEqual([draft!.text])

    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: 'DD20261102007 再让客户补一下铭牌照片' })
    const next = Math.max(...(await draftIds()))
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/edit ${next} 赵女士您好，铭牌照片发13700000000` })
    await sayAndSettle(h, { as: 'wx-supervisor-liu', group: 'internal', text: `/approve ${next} force` })
    await sendsSettled(h)
    expect(seen(h, 'internal').at(-1)).toBe(`⚠️ 草稿#${next} 未通过外发检查的修改稿已由主管强制发送到「赵女士·售后服务群」：赵女士您好，铭牌照片发13700000000`)
    expect(seen(h, 'cust-zhao').at(-1)).toBe('赵女士您好，铭牌照片发13700000000')
  })

  it('/reject sends nothing', async () => {
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: '老张那边再让客户拍一下铭牌' })
    const id = Math.max(...(await draftIds()))
    const before = seen(h, 'cust-zhang').length
    await sayAndSettle(h, { as: 'wx-supervisor-liu', group: 'internal', text: `/reject ${id} 已电话沟通` })
    await sendsSettled(h)
    expect(seen(h, 'cust-zhang')).toHaveLength(before)
    expect(seen(h, 'internal').at(-1)).toContain(`草稿#${id} 已驳回`)
  })

  it('a customer typing /approve in the customer group gets no reply and nothing is sent', async () => {
    const [{ n: sendsBefore }] = await h.runtime.ds.query(`SELECT count(*)::int AS n FROM sends WHERE kind = 'draft'`)
    await sayAndSettle(h, { as: 'wx-zhang', group: 'cust-zhang', text: '/approve 1' })
    await sendsSettled(h)
    expect(seen(h, 'cust-zhang').at(-1)).toBe('/approve 1') // only his own line, no answer
    const [{ n: sendsAfter }] = await h.runtime.ds.query(`SELECT count(*)::int AS n FROM sends WHERE kind = 'draft'`)
    expect(sendsAfter).toBe(sendsBefore)
    expect(seen(h, 'internal').at(-1)).toContain('已忽略且未在该群回复')
  })

  it("someone the directory does not know, wearing a handler's display name, is named by WeCom id", async () => {
    const sandbox = h.runtime.sandbox!
    const impostor = sandbox.mocker.createContact({ id: 'wx-impostor-9', name: '王小美' })
    const room = (sandbox as unknown as { rooms: Map<string, { room: Parameters<ReturnType<typeof impostor.say>['to']>[0] }> }).rooms.get('cust-zhang')!.room
    impostor.say('/approve 1').to(room)
    await eventually(() => seen(h, 'internal').at(-1)?.includes('wx-impostor-9') ?? false)
    expect(seen(h, 'internal').at(-1)).toContain('王小美（未登记成员，企业微信ID wx-impostor-9）')
  })

  it('refuses commands from people without the role, revealing nothing', async () => {
    await sayAndSettle(h, { as: 'wx-zhang', text: '/case 1' })
    await sendsSettled(h)
    const [reply] = await h.runtime.ds.query(`SELECT text FROM sends WHERE contact_id = 'wx-zhang' ORDER BY id DESC LIMIT 1`)
    expect(reply.text).toBe('抱歉，你没有执行该命令的权限。')
  })

  it('answers malformed commands in one line', async () => {
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: '/aprove 1' })
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: '／approve' })
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: '/approve 999' })
    await sendsSettled(h)
    const last = botSaid(h, 'internal').slice(-3)
    expect(last[0]).toBe('未知命令 /aprove。你是不是想用 /approve？发送 /help 查看全部命令。')
    expect(last[1]).toMatch(/^用法：\/approve <草稿号>/)
    expect(last[2]).toBe('找不到草稿#999。')
  })

  it("/case shows the card with the trail's tail", async () => {
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: '/case 1' })
    await sendsSettled(h)
    const card = seen(h, 'internal').at(-1)!
    expect(card).toContain('案件#1｜张先生｜售后服务')
    expect(card).toContain('执行人：张太太')
    expect(card).toContain('等待：客户联系人')
    // decisions and deliveries by the names people read, never their codes
    expect(card).toMatch(/（已通过发送）|（已送达）/)
    expect(card).not.toMatch(/（(approved|sent|rejected|edited|edit_blocked|superseded|sent_direct|failed|unknown)）/)
  })

  it("serves the case's evidence trail over HTTP to token holders only", async () => {
    const addr = h.runtime.server!.address()
    const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/api/v1/cases`
    const auth = { authorization: 'Bearer sandbox' }
    expect((await fetch(`${base}/1/evidence`)).status).toBe(401)
    expect((await fetch(`${base}/1/evidence`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401)
    expect((await fetch(`${base}/999/evidence`, { headers: auth })).status).toBe(404)
    const bad = await fetch(`${base}/abc/evidence`, { headers: auth })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: unknown }).error).toMatchObject({ code: 'bad_request', field: 'id' })
    const res = await fetch(`${base}/1/evidence`, { headers: auth })
    const body = (await res.json()) as { verified: boolean; events: Array<{ kind: string }> }
    expect(res.status).toBe(200)
    expect(body.verified).toBe(true)
    expect(body.events.map((e: { kind: string }) => e.kind)).toEqual(expect.arrayContaining(['case_opened', 'message', 'state_changed', 'draft_created', 'draft_decided', 'delivery']))
  })

  it('manages a case by hand: /open, /executor, /assign, /wait, /cases, /take, /cancel, /help', async () => {
    const cmd = async (text: string, as = 'wx-handler-chen'): Promise<string> => {
      await sayAndSettle(h, { as, group: 'internal', text })
      await sendsSettled(h)
      return botSaid(h, 'internal').at(-1)!
    }
    // a mistyped customer is answered with the close matches, and nothing is opened
    expect(await cmd('/open 赵女 预约')).toBe('找不到客户「赵女」。您是不是要找：赵女士？')
    expect(await cmd('/open 王大锤 预约')).toBe('找不到客户「王大锤」。发送 /cases 查看案件，或检查客户名称。')
    const opened = await cmd('/open 赵姐 预约 客户要求改约')
    const id = Number(/案件#(\d+)/.exec(opened)![1])
    expect(opened).toBe(`📂 已建案件#${id}：赵女士｜上门预约｜负责人 陈明`)
    expect(await cmd(`/executor ${id} @张太太`)).toBe(`👤 案件#${id} 的执行人已设为 张太太。`)
    expect(await cmd(`/assign ${id} @王小美`)).toBe(`👤 案件#${id} 的负责人已设为 王小美。`)
    expect(await cmd(`/assign ${id} @赵女士`)).toBe('赵女士 不是处理人，不能负责案件。')
    expect(await cmd(`/executor ${id} @路人甲`)).toBe('找不到此人，请 @ 一位已登记的成员。')
    expect(await cmd(`/wait ${id} waiting_executor in 2h`)).toMatch(new RegExp(`^🔄 案件#${id}：已受理 → 等待执行人配合（截止 `))
    expect(await cmd('/cases waiting')).toContain(`#${id} 赵女士｜等待执行人配合`)
    expect(await cmd(`/take case ${id}`)).toBe(`🙋 案件#${id} 现由陈明负责。`)
    // a state Baton does not know: the usage and the states by the names Baton shows
    const unknownState = await cmd(`/wait ${id} completed_later`)
    expect(unknownState).toMatch(/^用法：\/wait/)
    expect(unknownState).toContain('可用状态：已受理、等待客户提供资料')
    // the names Baton itself shows work as well as the codes
    expect(await cmd(`/wait ${id} 等待服务方处理`)).toMatch(new RegExp(`^🔄 案件#${id}：等待执行人配合 → 等待服务方处理`))
    expect(await cmd(`/wait ${id} waiting_executor`)).toMatch(new RegExp(`^🔄 案件#${id}：等待服务方处理 → 等待执行人配合`))
    expect(await cmd(`/cancel ${id} 客户取消`)).toBe(`🔄 案件#${id}：等待执行人配合 → 已取消`)
    expect(await cmd(`/done ${id}`)).toBe(`案件#${id} 不能从「已取消」转为「已完成」。`)
    expect(await cmd('/help approve')).toMatch(/^\/approve <草稿号> \[force\]/)
    expect((await cmd('/help')).split('\n').length).toBeGreaterThan(10)
  })

  it('exposes Prometheus metrics: decisions, sends, queues, waiting cases, the WeCom session', async () => {
    const addr = h.runtime.server!.address()
    const res = await fetch(`http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/metrics`)
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).toMatch(/baton_decisions_total\{mode="review_before_send"\} [1-9]/)
    expect(text).toMatch(/baton_decisions_total\{mode="command"\} [1-9]/)
    expect(text).toMatch(/baton_inbound_recorded_total\{channel="internal"\} [1-9]/)
    expect(text).toMatch(/baton_queue_jobs\{queue="outbound",state="waiting"\} 0/)
    expect(text).toMatch(/baton_cases_waiting\{state="[a-z_]+"\} [1-9]/)
    expect(text).toMatch(/baton_wecom_logged_in 1/)
    expect(text).toMatch(/baton_send_attempts_total\{outcome="sent"\} [1-9]/)
    // read from PostgreSQL at scrape time (adapters/db/runtime-queries.ts)
    expect(text).toMatch(/baton_sends\{status="sent"\} [1-9]/)
    expect(text).toMatch(/baton_oldest_queued_send_age_seconds \d/)
  })

  it('/recall records a wrong send (the mock cannot recall), /auto is for supervisors and is recorded, /stats sums it up', async () => {
    const cmd = async (text: string, as = 'wx-handler-wang'): Promise<string> => {
      await sayAndSettle(h, { as, group: 'internal', text })
      await sendsSettled(h)
      return botSaid(h, 'internal').at(-1)!
    }
    expect(await cmd('/recall 1')).toBe('⚠️ 草稿#1 的消息无法撤回（已超时或平台不支持），已记录为错发，请人工更正。')
    expect(await cmd('/recall 1')).toBe('草稿#1 已经撤回过了。')
    expect(await cmd('/auto progress_reply on')).toBe('该操作仅限主管。')
    expect(await cmd('/auto progress_reply on', 'wx-supervisor-liu')).toMatch(/^⚙️ 已开启「progress_reply」/)
    const [row] = await h.runtime.ds.query(`SELECT category, enabled, switched_by FROM automation_switches ORDER BY id DESC LIMIT 1`)
    expect(row).toEqual({ category: 'progress_reply', enabled: true, switched_by: 'wx-supervisor-liu' })
    const stats = await cmd('/stats 7d')
    expect(stats).toMatch(/^📊 近7d：等待中 \d+/)
    // the first /approve, and the original sent after a blocked edit (unchanged: approved as is)
    expect(stats).toContain('原样通过 2')
    expect(stats).toContain('错发撤回 1')
  })
})
