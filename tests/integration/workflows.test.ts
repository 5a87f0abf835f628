import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { sqlEvidenceReader } from '../../src/adapters/db/evidence-store.js'
import { verifyEvidence } from '../../src/app/verify-evidence.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { botSaid, sayAndSettle, seen, sendsSettled } from '../support/groups.js'

interface CaseRow {
  id: string
  state: string
  waiting_party: string
  missing_items: string[]
  customer_completed_at: Date | null
  writeback_at: Date | null
  due_at: Date | null
}

describe('the four standard workflows, on real PostgreSQL and Redis', () => {
  let h: SandboxHarness
  const caseOf = async (customer: string): Promise<CaseRow> => (await h.runtime.ds.query(`SELECT * FROM cases WHERE customer_key = $1 ORDER BY id DESC LIMIT 1`, [customer]))[0]
  const lastDraft = async () => (await h.runtime.ds.query(`SELECT * FROM drafts ORDER BY id DESC LIMIT 1`))[0]

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    // this team has switched two low-risk categories to automatic sending
    tenant.policy = { automaticCategories: ['material_received', 'progress_reply'] }
    h = await startSandbox({ tenant })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('1+3. a partner request opens a case waiting on the customer, with the items asked for and a due time', async () => {
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: '订单DD20261102007，麻烦让客户补一下发票照片' })
    const c = await caseOf('zhao')
    expect(c.state).toBe('waiting_customer_material')
    expect(c.waiting_party).toBe('customer')
    // exactly what the partner asked for, in the catalogue's customer-safe words (not the service type's default list)
    expect(c.missing_items).toEqual(['购买发票或凭证的照片'])
    expect(c.due_at).not.toBeNull()
    const d = await lastDraft()
    expect(d).toMatchObject({ category: 'material_request', mode: 'review_before_send', status: 'pending', target_group_key: 'cust-zhao' })
    expect(d.text).not.toContain('补一下') // never the partner's words
    expect(d.text).toContain('购买发票或凭证的照片')
    expect(d.text).not.toContain('问题部位的照片')
  })

  it('2. "好了" without the required photo asks for the proof (review) and leaves the case waiting', async () => {
    await sayAndSettle(h, { as: 'wx-zhao', group: 'cust-zhao', text: '好了' })
    const c = await caseOf('zhao')
    expect(c.state).toBe('waiting_customer_material')
    const d = await lastDraft()
    expect(d).toMatchObject({ category: 'proof_request', mode: 'review_before_send' })
    expect(d.risk_flags).toContain('missing_proof')
  })

  it('3. the photo arriving later attaches to the case, is acknowledged, and is written back to the partner group', async () => {
    await sayAndSettle(h, { as: 'wx-zhao', group: 'cust-zhao', image: 'invoice.jpg' })
    await sendsSettled(h)
    const c = await caseOf('zhao')
    expect(c.state).toBe('waiting_partner')
    expect(c.customer_completed_at).not.toBeNull()
    expect(c.writeback_at).not.toBeNull()
    const [msg] = await h.runtime.ds.query(`SELECT case_id FROM messages WHERE type = 'image' ORDER BY id DESC LIMIT 1`)
    expect(Number(msg.case_id)).toBe(Number(c.id))
    // material_received is automatic for this team: the customer hears back directly
    expect(botSaid(h, 'cust-zhao').at(-1)).toContain('资料我们已经收到')
    const writeback = botSaid(h, 'partner-anxin').at(-1)!
    // the write-back names what arrived
    expect(writeback).toBe(`【回写】案件#${c.id}（订单DD20261102007）：客户已提供：购买发票或凭证的照片，请继续处理。`)
    expect(writeback).not.toContain('13900005678')
  })

  it('4. a progress question is answered from the case state (automatic category)', async () => {
    await sayAndSettle(h, { as: 'wx-zhao', group: 'cust-zhao', text: '请问现在进度怎么样了？' })
    await sendsSettled(h)
    expect(botSaid(h, 'cust-zhao').at(-1)).toBe('您好，赵女士，您的资料收集目前进度：资料已齐全，服务方正在处理。有新进展我们会第一时间在群里告诉您。')
  })

  it('2. the partner confirming completes the case and drafts the customer confirmation', async () => {
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: 'DD20261102007 已完成' })
    const c = await caseOf('zhao')
    expect(c.state).toBe('completed')
    expect((await lastDraft()).category).toBe('completion_confirmation')
  })

  it('a partner request naming no customer needs a person, and opens nothing', async () => {
    const [{ n: before }] = await h.runtime.ds.query(`SELECT count(*)::int AS n FROM cases`)
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: '让客户明天在家等安装' })
    await sendsSettled(h)
    const [{ n: after }] = await h.runtime.ds.query(`SELECT count(*)::int AS n FROM cases`)
    expect(after).toBe(before)
    const notice = botSaid(h, 'internal').at(-1)!
    expect(notice).toContain('需要人工处理')
    expect(notice).toContain('合作方请求缺少客户或案件信息')
    const [{ n: waiting }] = await h.runtime.ds.query(`SELECT count(*)::int AS n FROM attention_items WHERE cleared_at IS NULL AND case_id IS NULL`)
    expect(waiting).toBe(1)
  })

  it('records internal chatter and chit-chat without answering anyone', async () => {
    const before = botSaid(h, 'cust-zhang').length + botSaid(h, 'internal').length
    await sayAndSettle(h, { as: 'wx-handler-chen', group: 'internal', text: '老张家的我明天再跟进一下' })
    await sayAndSettle(h, { as: 'wx-zhang', group: 'cust-zhang', text: '谢谢👍' })
    await sendsSettled(h)
    expect(botSaid(h, 'cust-zhang').length + botSaid(h, 'internal').length).toBe(before)
    const rows = await h.runtime.ds.query(`SELECT intent, mode FROM messages WHERE text IN ('老张家的我明天再跟进一下', '谢谢👍') ORDER BY id`)
    expect(rows).toEqual([
      { intent: 'internal_note', mode: 'record_only' },
      { intent: 'chit_chat', mode: 'record_only' },
    ])
    expect(seen(h, 'cust-zhang').at(-1)).toBe('谢谢👍')
  })

  it('keeps a tamper-evident trail: updates are refused, and a forged row is found', async () => {
    const c = await caseOf('zhao')
    expect((await verifyEvidence(sqlEvidenceReader(h.runtime.ds), Number(c.id))).broken).toEqual([])
    await expect(h.runtime.ds.query(`UPDATE case_events SET actor = 'x' WHERE case_id = $1`, [c.id])).rejects.toThrow(/append-only/)
    await expect(h.runtime.ds.query(`DELETE FROM case_events WHERE case_id = $1`, [c.id])).rejects.toThrow(/append-only/)
    // someone with table-owner rights bypasses the trigger and edits history
    await h.runtime.ds.query(`ALTER TABLE case_events DISABLE TRIGGER case_events_no_update`)
    await h.runtime.ds.query(`UPDATE case_events SET payload = jsonb_set(payload, '{text}', '"改过的内容"') WHERE case_id = $1 AND seq = 2`, [c.id])
    await h.runtime.ds.query(`ALTER TABLE case_events ENABLE TRIGGER case_events_no_update`)
    const report = await verifyEvidence(sqlEvidenceReader(h.runtime.ds))
    expect(report.broken).toEqual([expect.objectContaining({ caseId: Number(c.id), seq: 2, reason: 'hash_mismatch' })])
  })
})
