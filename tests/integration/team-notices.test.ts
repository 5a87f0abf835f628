import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadWordingDir } from '../../src/config/load-wording-dir.js'
import { SqlStore } from '../../src/adapters/db/sql-store.js'
import { tellTeam } from '../../src/app/team-notices.js'
import { FANOUT } from '../../src/domain/resilience/notice-fanout.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'

/**
 * The fan-out limits on their own, without the draft de-duplication in front of them: every
 * notice here is different (a matter each), as from a sender raising one new thing after another.
 * No role runs, so the sends stay queued where the test can read them.
 */
describe('team notices about one sender: a few, then one summary kept up to date', () => {
  let h: SandboxHarness
  const wording = loadWordingDir('config/wording')

  beforeAll(async () => {
    h = await startSandbox({ roles: [] })
  })
  afterAll(async () => {
    await h?.close()
  })

  const said = async (talker: string, group: string, n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      await h.runtime.ds.query(
        `INSERT INTO messages (wecom_id, direction, group_key, room_id, channel, talker_id, talker_role, type, text, mention_ids, said_at)
         VALUES ($1, 'inbound', $2, $3, 'customer', $4, 'customer', 'text', $5, '{}', now())`,
        [`m-${talker}-${group}-${i}-${Math.random()}`, group, `r-${group}@chatroom`, talker, `第${i}件事`],
      )
    }
  }
  const notices = async (): Promise<{ text: string; summary_key: string | null; not_before: Date | null }[]> =>
    h.runtime.ds.query(`SELECT text, summary_key, not_before FROM sends WHERE group_key = 'internal' ORDER BY id`)

  it.each(['one by one', 'in a batch'] as const)('%s: 20 different matters from 张先生 are a few notices and a summary', async (how) => {
    await h.runtime.ds.query(`DELETE FROM sends`)
    await h.runtime.ds.query(`DELETE FROM messages`)
    await said('wx-zhang', 'cust-zhang', 20)
    const store = new SqlStore(h.runtime.ds)
    const deps = { directory: h.runtime.directory, wording }
    const about = { groupKey: 'cust-zhang', talkerId: 'wx-zhang' }
    const now = new Date()
    const tell = (tx: Parameters<typeof tellTeam>[0], i: number) => tellTeam(tx, deps, { about, caseId: null, caseRef: null, text: `🙋 第${i}件事`, now })
    const outcomes: string[] = []
    if (how === 'one by one') for (let i = 0; i < 20; i++) outcomes.push(await store.transaction((tx) => tell(tx, i)))
    else
      await store.batch!(async (tx) => {
        for (let i = 0; i < 20; i++) outcomes.push(await tell(tx, i))
      })
    expect(outcomes.filter((o) => o === 'told')).toHaveLength(FANOUT.perSender)
    const rows = await notices()
    expect(rows).toHaveLength(FANOUT.perSender + 1)
    expect(rows.slice(0, FANOUT.perSender).map((r) => r.text)).toEqual(Array.from({ length: FANOUT.perSender }, (_, i) => `🙋 第${i}件事`))
    const summary = rows.at(-1)!
    expect(summary.summary_key).toBe('sender:cust-zhang:wx-zhang')
    expect(summary.text).toContain('张先生 1 分钟内发了 20 条消息｜来自「张先生·空调安装服务群」｜未关联案件')
    // said a little later, with the count of the whole burst
    expect(summary.not_before!.getTime()).toBe(now.getTime() + FANOUT.foldDelayMs)
  })

  it('many people in one group: the group is summarised once it is over its own limit', async () => {
    await h.runtime.ds.query(`DELETE FROM sends`)
    await h.runtime.ds.query(`DELETE FROM messages`)
    const store = new SqlStore(h.runtime.ds)
    const deps = { directory: h.runtime.directory, wording }
    const people = ['wx-zhang', 'wx-zhao', 'wx-zhang-wife']
    for (const p of people) await said(p, 'members', 10)
    const now = new Date()
    for (let i = 0; i < 30; i++) {
      const talkerId = people[i % people.length]!
      await store.transaction((tx) => tellTeam(tx, deps, { about: { groupKey: 'members', talkerId }, caseId: null, caseRef: null, text: `🙋 会员群第${i}条`, now }))
    }
    const rows = await notices()
    expect(rows.filter((r) => r.summary_key === null)).toHaveLength(FANOUT.perGroup)
    const summaries = rows.filter((r) => r.summary_key !== null)
    expect(summaries.map((r) => r.summary_key)).toEqual(['group:members'])
    expect(summaries[0]!.text).toContain('「会员交流群」1 分钟内有 3 人发了 30 条消息')
  })

  it('a summary queued before the batch is rewritten at its flush; one claimed meanwhile is replaced, with the whole count', async () => {
    await h.runtime.ds.query(`DELETE FROM sends`)
    await h.runtime.ds.query(`DELETE FROM messages`)
    const store = new SqlStore(h.runtime.ds)
    const deps = { directory: h.runtime.directory, wording }
    const about = { groupKey: 'cust-zhang', talkerId: 'wx-zhang' }
    const now = new Date()
    const burst = (from: number, to: number) =>
      store.batch!(async (tx) => {
        for (let i = from; i < to; i++) await tellTeam(tx, deps, { about, caseId: null, caseRef: null, text: `🙋 第${i}件事`, now })
      })
    await said('wx-zhang', 'cust-zhang', 20)
    await burst(0, 20)
    const summaries = async () => (await notices()).filter((r) => r.summary_key !== null).map((r) => r.text.match(/发了 (\d+) 条/)?.[1])
    expect(await summaries()).toEqual(['20'])
    // a later batch rewrites the summary written by an earlier one
    await said('wx-zhang', 'cust-zhang', 5)
    await burst(20, 25)
    expect(await summaries()).toEqual(['25'])
    // the worker claims it while the next batch is deciding: that batch queues a new one
    const [first] = (await h.runtime.ds.query(`SELECT id FROM sends WHERE summary_key IS NOT NULL`)) as Array<{ id: string }>
    await said('wx-zhang', 'cust-zhang', 5)
    await store.batch!(async (tx) => {
      for (let i = 25; i < 30; i++) await tellTeam(tx, deps, { about, caseId: null, caseRef: null, text: `🙋 第${i}件事`, now })
      expect(await store.claimSend(Number(first!.id))).not.toBeNull()
    })
    expect(await summaries()).toEqual(['25', '30'])
    // claimed between two messages of a batch: the later one finds it claimed and queues the new one itself
    await said('wx-zhang', 'cust-zhang', 5)
    const [second] = (await h.runtime.ds.query(`SELECT id FROM sends WHERE summary_key IS NOT NULL AND status = 'queued'`)) as Array<{ id: string }>
    await store.batch!(async (tx) => {
      for (let i = 30; i < 33; i++) await tellTeam(tx, deps, { about, caseId: null, caseRef: null, text: `🙋 第${i}件事`, now })
      expect(await store.claimSend(Number(second!.id))).not.toBeNull()
      for (let i = 33; i < 35; i++) await tellTeam(tx, deps, { about, caseId: null, caseRef: null, text: `🙋 第${i}件事`, now })
    })
    expect(await summaries()).toEqual(['25', '30', '35'])
    const statuses = (await h.runtime.ds.query(`SELECT status FROM sends WHERE summary_key IS NOT NULL ORDER BY id`)) as Array<{ status: string }>
    expect(statuses.map((r) => r.status)).toEqual(['sending', 'sending', 'queued'])
  })
})
