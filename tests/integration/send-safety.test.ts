import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { botSaid, sendsSettled } from '../support/groups.js'
import { eventually } from '../support/test-env.js'

describe('sends: at most once after a crash, and slower when WeCom says "too frequent"', () => {
  let h: SandboxHarness
  let original: (id: string, text: string) => Promise<void>
  const status = async (id: number): Promise<{ status: string; attempts: number; wecom_message_id: string | null }> =>
    (await h.runtime.ds.query(`SELECT status, attempts, wecom_message_id FROM sends WHERE id = $1`, [id]))[0]

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.outbound = { ...tenant.outbound, perAccountPerMinute: 6000, perGroupPerMinute: 6000, attempts: 3, backoffMs: 20 }
    h = await startSandbox({ tenant, roles: ['bot'], env: { BATON_SEND_IN_DOUBT_AFTER_MS: '1000', BATON_SEND_ANSWER_TIMEOUT_MS: '1000', BATON_THROTTLE_COOLDOWN_MS: '300', BATON_THROTTLE_REPORT_AFTER: '2' } })
    const puppet = h.runtime.sandbox!.puppet
    original = puppet.messageSendText.bind(puppet)
  })
  afterAll(async () => {
    await h?.close()
  })

  it('a send a crash left in `sending` is not resent: it becomes unknown and the team is asked to check, once', async () => {
    const [row] = await h.runtime.ds.query(
      `INSERT INTO sends (kind, group_key, text, status, attempts, created_at, claimed_at) VALUES ('reply', 'cust-zhang', '崩溃时正在发送的消息', 'sending', 1, now(), now() - interval '10 minutes') RETURNING id`,
    )
    const id = Number(row.id)
    await eventually(async () => (await status(id)).status === 'unknown', { timeoutMs: 15_000 })
    await sendsSettled(h)
    expect(botSaid(h, 'cust-zhang')).not.toContain('崩溃时正在发送的消息')
    const notices = botSaid(h, 'internal').filter((t) => t.includes(`消息#${id}`))
    expect(notices).toHaveLength(1)
    expect(notices[0]).toContain('发送状态未知')
    expect(notices[0]).toContain('张先生·空调安装服务群')
    // its job coming back (a re-relay) sends nothing either
    await h.runtime.ds.query(`UPDATE sends SET relayed_at = NULL WHERE id = $1`, [id])
    await new Promise((r) => setTimeout(r, 1500))
    expect(botSaid(h, 'cust-zhang')).not.toContain('崩溃时正在发送的消息')
    expect((await status(id)).status).toBe('unknown')
  })

  it('a team notice left in doubt is said once more, marked as possibly repeated; a resend in doubt is not repeated again', async () => {
    const [row] = await h.runtime.ds.query(
      `INSERT INTO sends (kind, group_key, text, status, attempts, created_at, claimed_at) VALUES ('notice', 'internal', '待审核草稿#99（测试）', 'sending', 1, now(), now() - interval '10 minutes') RETURNING id`,
    )
    const id = Number(row.id)
    await eventually(async () => (await status(id)).status === 'unknown', { timeoutMs: 15_000 })
    await sendsSettled(h)
    const said = botSaid(h, 'internal').filter((t) => t.includes('待审核草稿#99（测试）'))
    expect(said).toHaveLength(1)
    expect(said[0]).toMatch(/^🔁 补发/)
    // nobody is asked to check a notice: it was said again instead
    expect(botSaid(h, 'internal').filter((t) => t.includes(`消息#${id}`))).toHaveLength(0)
    const [resend] = await h.runtime.ds.query(`SELECT id, status FROM sends WHERE resend_of = $1`, [id])
    expect(resend.status).toBe('sent')
    // a resend itself cut off (never said): settled as unknown, not said a third time
    const [first] = await h.runtime.ds.query(`INSERT INTO sends (kind, group_key, text, status, attempts, created_at) VALUES ('notice', 'internal', '第一次通知（测试）', 'unknown', 1, now()) RETURNING id`)
    const [again] = await h.runtime.ds.query(
      `INSERT INTO sends (kind, group_key, text, status, attempts, created_at, claimed_at, resend_of) VALUES ('notice', 'internal', '补发的通知（测试）', 'sending', 1, now(), now() - interval '10 minutes', $1) RETURNING id`,
      [first.id],
    )
    await eventually(async () => (await status(Number(again.id))).status === 'unknown', { timeoutMs: 15_000 })
    await sendsSettled(h)
    expect(botSaid(h, 'internal').filter((t) => t.includes('通知（测试）'))).toHaveLength(0)
    expect((await h.runtime.ds.query(`SELECT count(*)::int AS n FROM sends WHERE resend_of = $1`, [again.id]))[0].n).toBe(0)
  })

  it('an interrupted send whose echo was recorded is confirmed as sent, without a notice', async () => {
    const [row] = await h.runtime.ds.query(
      `INSERT INTO sends (kind, group_key, text, status, attempts, created_at, claimed_at) VALUES ('reply', 'cust-zhao', '已经发出但没记上的消息', 'sending', 1, now(), now() - interval '5 minutes') RETURNING id`,
    )
    await h.runtime.ds.query(
      `INSERT INTO messages (wecom_id, direction, group_key, room_id, channel, talker_id, talker_role, type, text, mention_ids, said_at, handled_at)
       VALUES ('echo-1', 'outbound', 'cust-zhao', 'r-cust-zhao@chatroom', 'customer', 'wx-baton', 'bot', 'text', '已经发出但没记上的消息', '{}', now() - interval '299 seconds', now())`,
    )
    const id = Number(row.id)
    await eventually(async () => (await status(id)).status === 'sent', { timeoutMs: 15_000 })
    expect((await status(id)).wecom_message_id).toBe('echo-1')
    await sendsSettled(h)
    expect(botSaid(h, 'internal').filter((t) => t.includes(`消息#${id}`))).toHaveLength(0)
  })

  it('a send WeCom never answers does not hold back the next one; it is settled as in doubt, and a late answer still records it as sent', async () => {
    let answer: (() => void) | undefined
    h.runtime.sandbox!.puppet.messageSendText = async (id: string, text: string) => {
      if (text !== '迟迟没有回应的消息') return original(id, text)
      await new Promise<void>((r) => (answer = r))
      return original(id, text)
    }
    const insert = async (text: string): Promise<number> =>
      Number((await h.runtime.ds.query(`INSERT INTO sends (kind, group_key, text, created_at) VALUES ('reply', 'cust-zhang', $1, now()) RETURNING id`, [text]))[0].id)
    const stuck = await insert('迟迟没有回应的消息')
    const next = await insert('排在后面的消息')
    // without the answer timeout the one-at-a-time worker waits on the first call for ever
    await eventually(async () => (await status(next)).status === 'sent', { timeoutMs: 15_000 })
    expect(botSaid(h, 'cust-zhang')).toContain('排在后面的消息')
    await eventually(async () => (await status(stuck)).status === 'unknown', { timeoutMs: 15_000 })
    await eventually(() => botSaid(h, 'internal').some((t) => t.includes(`消息#${stuck}`)), { timeoutMs: 15_000 })
    expect(answer).toBeDefined()
    answer!()
    await eventually(async () => (await status(stuck)).status === 'sent', { timeoutMs: 15_000 })
    await sendsSettled(h)
    // said once, by the call that was late, never by a resend
    expect(botSaid(h, 'cust-zhang').filter((t) => t === '迟迟没有回应的消息')).toHaveLength(1)
    expect(botSaid(h, 'internal').filter((t) => t.includes(`消息#${stuck}`))).toHaveLength(1)
    h.runtime.sandbox!.puppet.messageSendText = original
  }, 60_000)

  it('an echo of another send with the same text does not confirm an interrupted send (a puppet without message ids)', async () => {
    // the same template reply went out twice: one delivered (its echo recorded, no message id), one cut off
    const text = '收到，我们会尽快为您处理（同文测试）'
    await h.runtime.ds.query(
      `INSERT INTO sends (kind, group_key, text, status, attempts, created_at, claimed_at, sent_at) VALUES ('reply', 'cust-zhao', $1, 'sent', 1, now(), now() - interval '5 minutes', now() - interval '5 minutes')`,
      [text],
    )
    const [row] = await h.runtime.ds.query(
      `INSERT INTO sends (kind, group_key, text, status, attempts, created_at, claimed_at) VALUES ('reply', 'cust-zhao', $1, 'sending', 1, now(), now() - interval '5 minutes') RETURNING id`,
      [text],
    )
    await h.runtime.ds.query(
      `INSERT INTO messages (wecom_id, direction, group_key, room_id, channel, talker_id, talker_role, type, text, mention_ids, said_at, handled_at)
       VALUES ('echo-same-text', 'outbound', 'cust-zhao', 'r-cust-zhao@chatroom', 'customer', 'wx-baton', 'bot', 'text', $1, '{}', now() - interval '299 seconds', now())`,
      [text],
    )
    const id = Number(row.id)
    await eventually(async () => (await status(id)).status === 'unknown', { timeoutMs: 15_000 })
    await sendsSettled(h)
    expect(botSaid(h, 'internal').filter((t) => t.includes(`消息#${id}`))).toHaveLength(1)
  })

  it('"操作过于频繁" slows the account down, every send still goes exactly once, the team hears it once', async () => {
    let refusals = 0
    h.runtime.sandbox!.puppet.messageSendText = async (id: string, text: string) => {
      if (refusals < 3 && !text.includes('发送过于频繁')) {
        refusals++
        throw new Error('WorkPro error 20001: 操作过于频繁')
      }
      return original(id, text)
    }
    const ids: number[] = []
    for (let i = 1; i <= 4; i++) {
      const [row] = await h.runtime.ds.query(`INSERT INTO sends (kind, group_key, text, created_at) VALUES ('reply', 'cust-zhao', $1, now()) RETURNING id`, [`限流测试 ${i}`])
      ids.push(Number(row.id))
    }
    await eventually(() => h.runtime.throttle!.state.refusals >= 3, { timeoutMs: 20_000 })
    expect(h.runtime.throttle!.ratePerMinute()).toBeLessThan(6000)
    await eventually(
      async () => {
        const rows = await Promise.all(ids.map(status))
        return rows.every((r) => r.status === 'sent')
      },
      { timeoutMs: 45_000 },
    )
    await sendsSettled(h)
    expect(botSaid(h, 'cust-zhao').filter((t) => t.startsWith('限流测试'))).toEqual(['限流测试 1', '限流测试 2', '限流测试 3', '限流测试 4'])
    // refusals do not use up attempts: nothing ended failed
    expect((await Promise.all(ids.map(status))).map((r) => r.attempts)).toEqual([1, 1, 1, 1])
    await eventually(() => botSaid(h, 'internal').some((t) => t.includes('发送过于频繁')), { timeoutMs: 15_000 })
    expect(botSaid(h, 'internal').filter((t) => t.includes('发送过于频繁'))).toHaveLength(1)
    h.runtime.sandbox!.puppet.messageSendText = original
  }, 60_000)
})
