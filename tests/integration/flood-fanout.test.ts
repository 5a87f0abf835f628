import { FANOUT } from '../../src/domain/resilience/notice-fanout.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { botSaid, sayAndSettle, sendsSettled } from '../support/groups.js'
import { eventually } from '../support/test-env.js'

// what one chatty customer sends in a burst: photos and the same questions over and over
const ASKS = ['现在进度怎么样了？', '师傅什么时候到？', '进度怎么样了', '安装好了吗？', '请问什么时候能装好？']
const FLOOD = 150

describe("150 messages from one customer in a second, while a handler approves another customer's reply", () => {
  let h: SandboxHarness
  let approvedText = ''
  let deliveredAfterMs = Number.POSITIVE_INFINITY
  let floodStart = new Date()

  beforeAll(async () => {
    h = await startSandbox()
    // 张先生 has a case that has had its photos (so more photos and questions become drafts for
    // review); 赵女士 has a draft waiting for review
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: 'DD20261101001 麻烦让客户上传一下空调安装位置的照片' })
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: 'DD20261102007 让客户补一下发票照片' })
    await sendsSettled(h)
    const [draft] = await h.runtime.ds.query(`SELECT d.id, d.text FROM drafts d JOIN cases c ON c.id = d.case_id WHERE c.customer_key = 'zhao' AND d.status = 'pending'`)
    approvedText = draft.text
    floodStart = new Date()
    let approvedAt = 0
    for (let i = 0; i < FLOOD; i++) {
      if (i % 2 === 0) h.runtime.sandbox!.say({ as: 'wx-zhang', group: 'cust-zhang', image: `photo-${i}.png` })
      else h.runtime.sandbox!.say({ as: 'wx-zhang', group: 'cust-zhang', text: `${ASKS[i % ASKS.length]}（${i + 1}）` })
      if (i === 30) {
        h.runtime.sandbox!.say({ as: 'wx-handler-wang', group: 'internal', text: `/approve ${draft.id}` })
        approvedAt = Date.now()
      }
      await new Promise((r) => setTimeout(r, 5))
    }
    await eventually(() => botSaid(h, 'cust-zhao').includes(approvedText), { timeoutMs: 20_000 }).catch(() => undefined)
    if (botSaid(h, 'cust-zhao').includes(approvedText)) deliveredAfterMs = Date.now() - approvedAt
    await eventually(async () => (await h.runtime.ds.query(`SELECT count(*)::int AS n FROM messages WHERE talker_id = 'wx-zhang' AND handled_at IS NOT NULL`))[0].n === FLOOD, { timeoutMs: 30_000 }).catch(
      () => undefined,
    )
  }, 90_000)
  afterAll(async () => {
    await h?.close()
  })

  it('delivers the approved reply within 5 s', () => {
    expect(deliveredAfterMs).toBeLessThan(5000)
  })

  it('tells the internal group a handful of times, the last one a summary with the count', async () => {
    const notices: { text: string; summary_key: string | null }[] = await h.runtime.ds.query(
      `SELECT text, summary_key FROM sends WHERE group_key = 'internal' AND kind = 'notice' AND created_at >= $1 ORDER BY id`,
      [floodStart],
    )
    // the first few notices about one sender go out as they come (FANOUT.perSender), then one summary
    expect(notices.length).toBeLessThanOrEqual(FANOUT.perSender + 1)
    const summaries = notices.filter((n) => n.summary_key !== null)
    expect(summaries).toHaveLength(1)
    expect(summaries[0]!.text).toContain(`张先生 1 分钟内发了 ${FLOOD} 条消息`)
    expect(summaries[0]!.text).toContain('/case 1')
  })

  it('the summary waits in PostgreSQL until it is due (Redis may lose a delayed job), then is said once, as counted', async () => {
    const [row] = await h.runtime.ds.query(`SELECT id, text, relayed_at, not_before > now() AS later FROM sends WHERE summary_key IS NOT NULL`)
    expect(row.later).toBe(true)
    expect(row.relayed_at).toBeNull()
    await eventually(() => botSaid(h, 'internal').includes(row.text), { timeoutMs: 25_000 })
    await sendsSettled(h)
    expect(botSaid(h, 'internal').filter((t) => t === row.text)).toHaveLength(1)
  }, 30_000)

  it('loses nothing: every message recorded and decided, one pending draft per category, the rest in the evidence', async () => {
    const [m] = await h.runtime.ds.query(`SELECT count(*)::int AS n, count(handled_at)::int AS decided, count(mode)::int AS moded FROM messages WHERE talker_id = 'wx-zhang'`)
    expect(m).toEqual({ n: FLOOD, decided: FLOOD, moded: FLOOD })
    const pending: { category: string; n: number }[] = await h.runtime.ds.query(`SELECT category, count(*)::int AS n FROM drafts WHERE case_id = 1 AND status = 'pending' GROUP BY category`)
    for (const p of pending) expect(p.n).toBe(1)
    const [drafted] = await h.runtime.ds.query(`SELECT count(*)::int AS n FROM drafts WHERE case_id = 1 AND source_message_id IN (SELECT id FROM messages WHERE talker_id = 'wx-zhang')`)
    const [superseded] = await h.runtime.ds.query(`SELECT count(*)::int AS n FROM case_events WHERE case_id = 1 AND kind = 'draft_superseded'`)
    // every message of the flood made its draft on record; each replaced the one waiting before it
    expect(drafted.n).toBe(FLOOD)
    expect(superseded.n).toBeGreaterThan(FLOOD - 10)
    // each event names the drafts it replaced, and together they are exactly the superseded ones
    const named: { ids: unknown[] }[] = await h.runtime.ds.query(`SELECT payload->'draftIds' AS ids FROM case_events WHERE case_id = 1 AND kind = 'draft_superseded'`)
    const ids = named.flatMap((r) => r.ids)
    expect(ids.every((id) => Number.isInteger(id))).toBe(true)
    const replaced: { id: string }[] = await h.runtime.ds.query(`SELECT id FROM drafts WHERE case_id = 1 AND status = 'superseded' ORDER BY id`)
    expect([...new Set(ids as number[])].sort((a, b) => a - b)).toEqual(replaced.map((r) => Number(r.id)))
  })
})
