import { DateTime } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Queue, Worker } from 'bullmq'
import { loadTenant } from '../../src/config/load-tenant.js'
import { GROWTH_ENTITIES } from '../../src/adapters/db/growth-entities.js'
import { redisConnection } from '../../src/adapters/queue/outbound-queue.js'
import { CHURN_SWEEP_SCHEDULER_ID, createNightlyQueue, NIGHTLY_SCHEDULER_ID, startNightlyWorker } from '../../src/adapters/queue/nightly-rules-queue.js'
import { sweepNightlyRules } from '../../src/app/growth/sweep-nightly-rules.js'
import { welcomeNewcomers } from '../../src/app/growth/welcome-newcomers.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { sayAndSettle, sendsSettled } from '../support/groups.js'
import { apiClient, API_TOKENS_ENV } from '../support/api-client.js'
import { eventually, testLogger, uniqueName } from '../support/test-env.js'

const DAY = 86_400_000

describe('growth on real PostgreSQL and Redis: one table definition, API, quiet hours, nightly rules', () => {
  let h: SandboxHarness
  let api: ReturnType<typeof apiClient>
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => h.runtime.ds.query(sql, params)
  const contactId = async (name: string) => Number((await q<{ id: string }>(`SELECT id FROM contacts WHERE name = $1`, [name]))[0]!.id)

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.outbound = { ...tenant.outbound, perGroupPerMinute: 1000 }
    tenant.policy = { ...(tenant.policy as object), quietHours: { start: '00:00', end: '00:00' } } as typeof tenant.policy
    h = await startSandbox({ tenant, env: { BATON_API_TOKENS: `${API_TOKENS_ENV},wx-handler-chen:handler:chen-token-0123456789-7Qm2xVp9LkR4sT8w` } })
    api = apiClient(h)
    h.runtime.sandbox!.join('members', { name: '小周' })
    await sayAndSettle(h, { as: '张先生', group: 'cust-zhang', text: '空调装好了吗' })
    await h.runtime.contactActivity!.settle()
    await eventually(async () => (await q(`SELECT 1 FROM contacts WHERE name = '小周'`)).length === 1)
    await sendsSettled(h)
  })
  afterAll(async () => {
    await h?.close()
  })

  it("each growth entity has exactly the migrated table's columns, types and nullability", async () => {
    for (const entity of GROWTH_ENTITIES) {
      const meta = h.runtime.ds.getMetadata(entity)
      const cols = await q<{ column_name: string; data_type: string; is_nullable: string }>(
        `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY column_name`,
        [h.env.DATABASE_SCHEMA, meta.tableName],
      )
      expect(cols.length, meta.tableName).toBeGreaterThan(0)
      const fromEntity = meta.columns
        .map((c) => ({ column_name: c.databaseName, data_type: c.type === 'timestamptz' ? 'timestamp with time zone' : String(c.type), is_nullable: c.isNullable ? 'YES' : 'NO' }))
        .sort((a, b) => a.column_name.localeCompare(b.column_name))
      expect(fromEntity, meta.tableName).toEqual(cols)
    }
  })

  it('GET /api/v1/contacts filters by tag; GET /contacts/:id shows tags with who/when and the event log', async () => {
    const all = await api.call('GET', '/api/v1/contacts', { as: 'viewer' })
    expect(all.status).toBe(200)
    expect(all.body.items.map((c: { name: string }) => c.name).sort()).toEqual(['小周', '张先生'])
    const members = await api.call('GET', `/api/v1/contacts?tag=${encodeURIComponent('会员')}`, { as: 'viewer' })
    expect(members.body).toMatchObject({ total: 1, items: [{ name: '小周', tags: ['会员', '新客'], stage: '新客' }] })
    const id = await contactId('小周')
    const one = await api.call('GET', `/api/v1/contacts/${id}`, { as: 'viewer' })
    expect(one.status).toBe(200)
    expect(one.body.tags.map((t: { tag: string; source: string; appliedBy: string }) => [t.tag, t.source, t.appliedBy])).toEqual([
      ['会员', 'rule', 'joined-members'],
      ['新客', 'rule', 'joined-new'],
    ])
    expect(one.body.events.map((e: { kind: string }) => e.kind).reverse()).toEqual(['joined_group', 'tag_added', 'tag_added'])
    expect((await api.call('GET', '/api/v1/contacts/999999', { as: 'viewer' })).status).toBe(404)
  })

  it('POST and DELETE a tag: handler only, unknown tags refused with the declared ones named, who is recorded', async () => {
    const id = await contactId('张先生')
    expect((await api.call('POST', `/api/v1/contacts/${id}/tags`, { as: 'viewer', body: { tag: 'VIP' } })).status).toBe(403)
    const bad = await api.call('POST', `/api/v1/contacts/${id}/tags`, { as: 'handler', body: { tag: '金牌' } })
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toContain('VIP')
    expect((await api.call('POST', `/api/v1/contacts/${id}/tags`, { as: 'handler', body: {} })).status).toBe(400)
    const ok = await api.call('POST', `/api/v1/contacts/${id}/tags`, { token: 'chen-token-0123456789-7Qm2xVp9LkR4sT8w', body: { tag: 'vip' } })
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ result: 'added', contact: { tags: ['VIP'] } })
    const [row] = await q(`SELECT applied_by, source FROM contact_tags WHERE contact_id = $1 AND tag = 'VIP'`, [id])
    expect(row).toEqual({ applied_by: 'wx-handler-chen', source: 'manual' })
    const again = await api.call('POST', `/api/v1/contacts/${id}/tags`, { as: 'handler', body: { tag: 'VIP' } })
    expect(again.body.result).toBe('already')
    const del = await api.call('DELETE', `/api/v1/contacts/${id}/tags/VIP`, { as: 'handler' })
    expect(del.body).toMatchObject({ result: 'removed', contact: { tags: [] } })
    const [removed] = await q(`SELECT removed_by FROM contact_tags WHERE contact_id = $1 AND tag = 'VIP'`, [id])
    expect(removed).toEqual({ removed_by: 'api:hans' })
    expect((await api.call('DELETE', `/api/v1/contacts/${id}/tags/VIP`, { as: 'handler' })).body.result).toBe('not_tagged')
  })

  it('a welcome due in quiet hours is held in the outbox until they end, never sent at once', async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    const policy = { ...h.runtime.growth!.policy, quietHours: { start: '23:00', end: '07:00' } }
    // 23:30 in the tenant's zone a few days ahead: quiet whatever time the suite runs
    const night = DateTime.now().setZone(policy.timezone).plus({ days: 3 }).set({ hour: 23, minute: 30, second: 0, millisecond: 0 })
    const deps = { ...h.runtime.growth!, policy, clock: { now: () => night.toJSDate() } }
    const members = tenant.groups.find((g) => g.key === 'members')!
    const r = await welcomeNewcomers(deps, { roomId: members.id!, members: [{ id: 'wx-night-owl', name: '夜猫子' }], at: night.toJSDate() })
    expect(r).toEqual({ kind: 'noted', contacts: 1, welcomed: 1 })
    const [send] = await q<{ status: string; not_before: Date; text: string }>(`SELECT s.status, s.not_before, s.text FROM sends s JOIN group_welcomes w ON w.send_id = s.id WHERE w.member_id = 'wx-night-owl'`)
    expect(send!.text).toContain('欢迎夜猫子')
    expect(send!.not_before.toISOString()).toBe(night.plus({ days: 1 }).set({ hour: 7, minute: 0 }).toUTC().toISO({ suppressMilliseconds: false }))
    await new Promise((res) => setTimeout(res, 1200))
    expect((await q<{ status: string }>(`SELECT status FROM sends WHERE text LIKE '欢迎夜猫子%'`))[0]!.status).toBe('queued')
  })

  it('nightly: contacts silent for a week become dormant (replacing their lifecycle tag), once, by the rule', async () => {
    const later = new Date(Date.now() + 8 * DAY)
    const deps = { ...h.runtime.growth!, clock: { now: () => later } }
    const tagged = await sweepNightlyRules(deps)
    expect(tagged).toBe(2)
    // 夜猫子 was first seen (the quiet-hours test) three days ahead: five days of silence, not dormant
    const dormant = await q<{ name: string }>(`SELECT c.name FROM contacts c JOIN contact_tags t ON t.contact_id = c.id WHERE t.tag = '沉睡' AND t.removed_at IS NULL ORDER BY c.name`)
    expect(dormant.map((d) => d.name).sort()).toEqual(['小周', '张先生'].sort())
    const zhou = await contactId('小周')
    const live = await q(`SELECT tag, source, applied_by FROM contact_tags WHERE contact_id = $1 AND removed_at IS NULL ORDER BY tag`, [zhou])
    expect(live).toEqual([
      { tag: '会员', source: 'rule', applied_by: 'joined-members' },
      { tag: '沉睡', source: 'rule', applied_by: 'dormant-7d' },
    ])
    const [stage] = await q(`SELECT stage FROM contacts WHERE id = $1`, [zhou])
    expect(stage).toEqual({ stage: '沉睡' })
    const events = await q<{ kind: string; detail: Record<string, string> }>(`SELECT kind, detail FROM contact_events WHERE contact_id = $1 AND kind LIKE 'tag_%' ORDER BY id DESC LIMIT 2`, [zhou])
    expect(events.map((e) => [e.kind, e.detail['tag'], e.detail['by']])).toEqual([
      ['tag_added', '沉睡', 'dormant-7d'],
      ['tag_removed', '新客', 'dormant-7d'],
    ])
    expect(await sweepNightlyRules(deps)).toBe(0)
    // six days of silence is not a week
    const fresh = await sweepNightlyRules({ ...deps, clock: { now: () => new Date(Date.now() + 6 * DAY) } })
    expect(fresh).toBe(0)
  })

  it('the worker role schedules the nightly rules once (BullMQ job scheduler), and a nightly job runs the sweep', async () => {
    const connection = redisConnection(h.env.REDIS_URL)
    const queue: Queue = createNightlyQueue(connection, h.env.BATON_QUEUE_PREFIX)
    try {
      const schedulers = await eventually(async () => {
        const s = await queue.getJobSchedulers()
        return s.length > 1 ? s : null
      })
      // the nightly run, and the sandbox's churn sweep every minute (config/growth.yaml churn.sweepEvery)
      expect(schedulers.map((s) => [s.key, s.pattern ?? null, s.tz ?? null, s.every ?? null]).sort()).toEqual([
        [CHURN_SWEEP_SCHEDULER_ID, null, null, 60_000],
        [NIGHTLY_SCHEDULER_ID, '0 3 * * *', 'Asia/Shanghai', null],
      ])
    } finally {
      await queue.close()
    }
    // a queue of its own, with a worker whose clock is a month ahead: the job tags the silent
    const prefix = uniqueName('bqn')
    const own = createNightlyQueue(connection, prefix)
    await q(`UPDATE contact_tags SET removed_at = now(), removed_by = 'test' WHERE tag = '沉睡' AND removed_at IS NULL`)
    let worker: Worker | undefined
    try {
      const swept: number[] = []
      worker = startNightlyWorker({
        connection,
        prefix,
        log: testLogger(),
        sweep: async () => {
          const n = await sweepNightlyRules({ ...h.runtime.growth!, clock: { now: () => new Date(Date.now() + 30 * DAY) } })
          swept.push(n)
          return n
        },
      })
      await own.add(NIGHTLY_SCHEDULER_ID, {})
      await eventually(() => swept.length === 1)
      expect(swept[0]).toBeGreaterThan(0)
      expect((await q<{ n: number }>(`SELECT count(*)::int AS n FROM contact_tags WHERE tag = '沉睡' AND removed_at IS NULL`))[0]!.n).toBe(swept[0])
    } finally {
      await worker?.close()
      await own.obliterate({ force: true })
      await own.close()
    }
  })
})
