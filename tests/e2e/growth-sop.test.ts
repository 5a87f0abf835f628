import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant, type Tenant } from '../../src/config/load-tenant.js'
import { ALL_ROLES, startBaton, type Runtime } from '../../src/main/runtime.js'
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis.js'
import { dropSchema, eventually, testEnv, testLogger } from '../support/test-env.js'
import type { Env } from '../../src/config/env.js'

/** A calendar posting every minute and a flow whose first step waits four seconds. */
const GROWTH = `
dimensions: [{ key: lifecycle, name: 生命周期, exclusive: true, stage: true }]
tags: [{ name: 新客, dimension: lifecycle }, { name: 活跃, dimension: lifecycle }]
tickEvery: 1s
groupTypes:
  - key: community
    name: 会员社群
    groups: [members]
    sop:
      - { key: minutely, schedule: "* * * * *", text: ⏰ 每分钟小贴士, automatic: true, window: 2m }
      - { key: policy, schedule: "* * * * *", knowledge: return-policy-7-days, automatic: true, window: 2m }
flows:
  - key: activate
    name: 新会员激活
    trigger: { event: joined_group, groupType: community }
    steps:
      - { delay: 4s, action: { kind: task, text: "请欢迎{name}" } }
      - { delay: 1s, action: { kind: set_stage, stage: 活跃 } }
      - { delay: 0s, action: { kind: send, automatic: true, text: "{name}您好，欢迎加入会员群" } }
`
const TIP = '⏰ 每分钟小贴士'

/**
 * The SOP calendar and a lifecycle flow through the mock tenant, on a Redis of the test's own
 * (it is emptied with FLUSHALL): a post made once per occurrence and tracked, a missed one
 * marked, and a delayed flow step that survives a worker restart and an emptied Redis.
 */
describe('SOP calendar and lifecycle flows through the mock tenant', () => {
  let redis: PrivateRedis
  let env: Env
  let tenant: Tenant
  let runtime: Runtime
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => runtime.ds.query(sql, params)
  const start = async () => {
    runtime = await startBaton({ env, tenant, roles: ALL_ROLES, log: testLogger() })
  }
  const botLines = (group: string, text: string) => runtime.sandbox!.transcript(group).filter((l) => l.text === text).length

  beforeAll(async () => {
    redis = await startPrivateRedis()
    env = testEnv({ REDIS_URL: redis.url })
    tenant = loadTenant('config/sandbox.yaml')
    const file = join(mkdtempSync(join(tmpdir(), 'growth-sop-')), 'growth.yaml')
    writeFileSync(file, GROWTH)
    tenant.paths = { ...tenant.paths, growth: file }
    tenant.outbound = { ...tenant.outbound, perGroupPerMinute: 1000 }
    tenant.policy = { ...(tenant.policy as object), quietHours: { start: '00:00', end: '00:00' } } as typeof tenant.policy
    await start()
    // the flows read the event log from where it was at their first look
    await eventually(async () => (await q(`SELECT 1 FROM growth_cursors WHERE name = 'flows' AND last_id >= 0`)).length === 1)
  })
  afterAll(async () => {
    await runtime?.stop()
    await dropSchema(env.DATABASE_SCHEMA)
    await redis?.kill()
  })

  it('an SOP occurrence is posted once and tracked, however often the tick runs', async () => {
    // the first tick catches up the occurrence of the last minute boundary (window 2m)
    await eventually(async () => (await q(`SELECT 1 FROM sop_occurrences o JOIN sends s ON s.id = o.send_id WHERE o.status = 'sent' AND s.status = 'sent'`)).length > 0, { timeoutMs: 15_000 })
    await Promise.all([runtime.growthSop!.tickNow(), runtime.growthSop!.tickNow(), runtime.growthSop!.tickNow()])
    // every occurrence sent is one line in the group, and no due time twice
    await eventually(
      async () => {
        const rows = await q<{ due_at: Date; status: string; on_time: boolean }>(
          `SELECT o.due_at, o.status, o.on_time FROM sop_occurrences o JOIN sends s ON s.id = o.send_id WHERE s.status = 'sent' AND o.item_key = 'minutely'`,
        )
        const pending = await q(`SELECT 1 FROM sends WHERE status IN ('queued','sending')`)
        return pending.length === 0 && rows.length === botLines('members', TIP) && new Set(rows.map((r) => r.due_at.getTime())).size === rows.length && rows.every((r) => r.status === 'sent' && r.on_time)
      },
      { timeoutMs: 15_000 },
    )
    // the item made of approved knowledge posts the entry's answer, as many times as it has occurrences
    const answer = runtime.knowledge!.current.entries.find((e) => e.id === 'return-policy-7-days')!.answer
    const policy = await q(`SELECT 1 FROM sop_occurrences o JOIN sends s ON s.id = o.send_id WHERE o.item_key = 'policy' AND s.status = 'sent'`)
    expect(policy.length).toBeGreaterThan(0)
    expect(botLines('members', answer)).toBe(policy.length)
  })

  it('an occurrence whose window passed is marked missed, and not posted', async () => {
    const handle = runtime.growthSop!
    const real = handle.deps.clock
    // the worker's clock jumps ten minutes: what fell due meanwhile, more than 2m ago, is missed
    handle.deps.clock = { now: () => new Date(Date.now() + 10 * 60_000) }
    try {
      await handle.tickNow()
    } finally {
      handle.deps.clock = real
    }
    const missed = await q<{ due_at: Date; send_id: string | null }>(`SELECT due_at, send_id FROM sop_occurrences WHERE status = 'missed'`)
    expect(missed.length).toBeGreaterThanOrEqual(14)
    expect(missed.every((m) => m.send_id === null)).toBe(true)
    await eventually(async () => {
      const sent = await q(`SELECT 1 FROM sop_occurrences o JOIN sends s ON s.id = o.send_id WHERE s.status = 'sent' AND o.item_key = 'minutely'`)
      return (await q(`SELECT 1 FROM sends WHERE status IN ('queued','sending')`)).length === 0 && sent.length === botLines('members', TIP)
    })
  })

  it('a delayed flow step survives a worker restart: done once, by the next worker', async () => {
    runtime.sandbox!.join('members', { name: '小周' })
    await eventually(async () => (await q(`SELECT 1 FROM flow_steps WHERE status = 'pending' AND step_index = 0`)).length === 1, { timeoutMs: 10_000 })
    // the worker stops before the step is due (4 s); its delayed job stays in Redis
    await runtime.stop()
    await start()
    const notice = '📝 流程「新会员激活」待办（小周）：请欢迎小周'
    await eventually(async () => botLines('internal', notice) === 1, { timeoutMs: 20_000 })
    await eventually(async () => (await q(`SELECT 1 FROM flow_runs WHERE status = 'completed'`)).length === 1, { timeoutMs: 10_000 })
    expect(await q(`SELECT step_index, status FROM flow_steps ORDER BY step_index`)).toEqual([
      { step_index: 0, status: 'done' },
      { step_index: 1, status: 'done' },
      { step_index: 2, status: 'done' },
    ])
    // (the restarted sandbox has a fresh mock tenant without 小周, so their message is checked below)
    expect(await q(`SELECT text FROM sends WHERE kind = 'flow'`)).toEqual([{ text: '小周您好，欢迎加入会员群' }])
    expect((await q(`SELECT stage FROM contacts WHERE name = '小周'`))[0]).toEqual({ stage: '活跃' })
    expect(await q(`SELECT 1 FROM sends WHERE text = $1`, [notice])).toHaveLength(1)
  })

  it('after a FLUSHALL the pending step is re-added from PostgreSQL, and the tick starts flows again', async () => {
    runtime.sandbox!.join('members', { name: '小吴' })
    await eventually(async () => (await q(`SELECT 1 FROM flow_steps s JOIN flow_runs r ON r.id = s.run_id JOIN contacts c ON c.id = r.contact_id WHERE c.name = '小吴' AND s.status = 'pending'`)).length === 1, {
      timeoutMs: 10_000,
    })
    const admin = new Redis(redis.url)
    await admin.flushall()
    admin.disconnect()
    await eventually(async () => botLines('internal', '📝 流程「新会员激活」待办（小吴）：请欢迎小吴') === 1, { timeoutMs: 20_000 })
    // the run goes on to its automatic message: a direct message through the outbox, delivered
    await eventually(async () => (await q(`SELECT status FROM sends WHERE kind = 'flow' AND text LIKE '小吴%'`))[0]?.['status'] === 'sent', { timeoutMs: 10_000 })
    // the tick's job scheduler went with the FLUSHALL: a join now starts the flow only if it is back
    runtime.sandbox!.join('members', { name: '小郑' })
    await eventually(async () => botLines('internal', '📝 流程「新会员激活」待办（小郑）：请欢迎小郑') === 1, { timeoutMs: 20_000 })
    expect(await q(`SELECT 1 FROM sends WHERE text LIKE '📝 流程%'`)).toHaveLength(3)
  })
})
