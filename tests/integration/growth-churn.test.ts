import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { CHURN_ENTITIES } from '../../src/adapters/db/churn-entities.js'
import { SqlGrowthStore } from '../../src/adapters/db/growth-store.js'
import { sweepChurnScores } from '../../src/app/growth/sweep-churn-scores.js'
import type { ChurnDeps } from '../../src/app/growth/churn-deps.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { apiClient, API_TOKENS_ENV } from '../support/api-client.js'
import { eventually } from '../support/test-env.js'
import { stopChurnSweepSchedule } from '../support/churn-sweep.js'
import { wireChurn } from '../../src/main/growth-churn-wiring.js'
import { loadWordingDir } from '../../src/config/load-wording-dir.js'

const DAY = 86_400_000
const MINUTE = 60_000

describe('churn early warning on real PostgreSQL: cheap contact activity, one task per contact, closed by a person, funnels', () => {
  let h: SandboxHarness
  let api: ReturnType<typeof apiClient>
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => h.runtime.ds.query(sql, params)
  const idOf = async (wecomId: string) => Number((await q<{ id: string }>(`SELECT id FROM contacts WHERE wecom_id = $1`, [wecomId]))[0]!.id)
  const at = (d: Date): ChurnDeps => ({ ...h.runtime.churn!, clock: { now: () => d } })

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.outbound = { ...tenant.outbound, perGroupPerMinute: 1000 }
    h = await startSandbox({ tenant, env: { BATON_API_TOKENS: API_TOKENS_ENV } })
    // this file sweeps with clocks of its own
    await stopChurnSweepSchedule(h)
    api = apiClient(h)
    h.runtime.sandbox!.join('members', { name: '小周' })
    await eventually(async () => (await q(`SELECT 1 FROM contacts WHERE name = '小周'`)).length === 1)
  })
  afterAll(async () => {
    await h?.close()
  })

  it("each churn entity has exactly the migrated table's columns, types and nullability", async () => {
    for (const entity of CHURN_ENTITIES) {
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

  it('contact activity writes a contact row only when its last inbound moves by more than a minute (or back)', async () => {
    const store = h.runtime.growth!.growth
    const t0 = new Date(Date.now() - DAY)
    const person = { wecomId: 'wx-busy', name: '忙客户', personId: null }
    await store.noteInbound([{ ...person, firstAt: t0, lastAt: t0 }], t0)
    const row = async () => (await q<{ first_inbound_at: Date; last_inbound_at: Date; xmin: string }>(`SELECT first_inbound_at, last_inbound_at, xmin::text FROM contacts WHERE wecom_id = 'wx-busy'`))[0]!
    const first = await row()
    expect(first.last_inbound_at.getTime()).toBe(t0.getTime())
    // 30 s later: not written (same row version)
    await store.noteInbound([{ ...person, firstAt: new Date(t0.getTime() + 30_000), lastAt: new Date(t0.getTime() + 30_000) }], t0)
    expect((await row()).xmin).toBe(first.xmin)
    // 2 minutes later: written
    const later = new Date(t0.getTime() + 2 * MINUTE)
    await store.noteInbound([{ ...person, firstAt: later, lastAt: later }], t0)
    expect((await row()).last_inbound_at.getTime()).toBe(later.getTime())
    // an earlier message (a replay) moves first inbound back, never last inbound
    const earlier = new Date(t0.getTime() - DAY)
    await store.noteInbound([{ ...person, firstAt: earlier, lastAt: earlier }], t0)
    const r = await row()
    expect([r.first_inbound_at.getTime(), r.last_inbound_at.getTime()]).toEqual([earlier.getTime(), later.getTime()])
    // nothing is copied into contact_events
    expect(await q(`SELECT 1 FROM contact_events WHERE kind = 'message'`)).toEqual([])
  })

  it('contact activity sends no statement for a contact it wrote less than a minute before, and writes it again once the minute is over', async () => {
    let statements = 0
    const ds = Object.create(h.runtime.ds) as typeof h.runtime.ds
    ds.query = ((sql: string, params?: unknown[]) => (statements++, h.runtime.ds.query(sql, params))) as typeof ds.query
    const store = new SqlGrowthStore(ds)
    const t0 = new Date(Date.now() - DAY)
    const person = { wecomId: 'wx-chatty', name: '话多客户', personId: null }
    const at = (ms: number) => ({ ...person, firstAt: new Date(t0.getTime() + ms), lastAt: new Date(t0.getTime() + ms) })
    await store.noteInbound([at(0)], t0)
    expect(statements).toBe(1)
    for (const ms of [10_000, 30_000, 60_000]) await store.noteInbound([at(ms)], t0)
    expect(statements).toBe(1)
    await store.noteInbound([at(61_000)], t0)
    expect(statements).toBe(2)
    const [row] = await q<{ last_inbound_at: Date }>(`SELECT last_inbound_at FROM contacts WHERE wecom_id = 'wx-chatty'`)
    expect(row!.last_inbound_at.getTime()).toBe(t0.getTime() + 61_000)
    // a new name, or an earlier message, is written at once
    await store.noteInbound([{ ...at(62_000), name: '改名的客户' }], t0)
    await store.noteInbound([at(-DAY)], t0)
    expect(statements).toBe(4)
    const [named] = await q<{ name: string; first_inbound_at: Date }>(`SELECT name, first_inbound_at FROM contacts WHERE wecom_id = 'wx-chatty'`)
    expect(named).toEqual({ name: '话多客户', first_inbound_at: new Date(t0.getTime() - DAY) })
  })

  it('a contact over the threshold gets ONE task with a notice naming the reasons, however many sweeps run at once', async () => {
    const night = new Date()
    const store = h.runtime.growth!.growth
    const silent = new Date(night.getTime() - 30 * DAY)
    await store.noteInbound([{ wecomId: 'wx-gone', name: '老刘', personId: null, firstAt: silent, lastAt: silent }], silent)
    const gone = await idOf('wx-gone')
    await store.transaction((tx) => tx.appendEvents([{ contactId: gone, kind: 'left_group', groupKey: 'members', at: new Date(night.getTime() - DAY) }]))
    const sweeps = await Promise.all([sweepChurnScores(at(night)), sweepChurnScores(at(night)), sweepChurnScores(at(night))])
    expect(sweeps.reduce((n, s) => n + s.opened, 0)).toBe(1)
    expect(sweeps.every((s) => s.atRiskIds.includes(gone))).toBe(true)
    const tasks = await q<{ id: string; contact_id: string; score: number; reasons: Array<{ code: string }>; notice_send_id: string }>(`SELECT * FROM churn_tasks`)
    expect(tasks).toHaveLength(1)
    expect(Number(tasks[0]!.contact_id)).toBe(gone)
    expect(tasks[0]!.reasons.map((r) => r.code)).toEqual(['silence', 'left_group'])
    expect(tasks[0]!.score).toBe(45 + 30)
    const [notice] = await q<{ group_key: string; text: string; kind: string }>(`SELECT group_key, text, kind FROM sends WHERE id = $1`, [tasks[0]!.notice_send_id])
    expect(notice!.kind).toBe('notice')
    expect(notice!.group_key).toBe(h.runtime.growth!.directory.internalGroups()[0]!.key)
    expect(notice!.text).toContain(`流失预警 #${tasks[0]!.id}：客户老刘`)
    expect(notice!.text).toContain('已 30 天没有发消息')
    expect(notice!.text).toMatch(/退出了「.+」/)
    // the next night finds the task open: nothing new
    expect((await sweepChurnScores(at(new Date(night.getTime() + DAY)))).opened).toBe(0)
  })

  it('a person closes the task over the API with an outcome; closing twice is a conflict; the audit says who and when', async () => {
    const list = await api.call('GET', '/api/v1/churn/tasks', { as: 'viewer' })
    expect(list.status).toBe(200)
    expect(list.body.total).toBe(1)
    const task = list.body.items[0]
    expect(task).toMatchObject({ contactName: '老刘', ownerId: null, ownerName: null, outcome: null, closedAt: null })
    expect((await api.call('POST', `/api/v1/churn/tasks/${task.id}/close`, { as: 'viewer', body: { outcome: 'retained' } })).status).toBe(403)
    expect((await api.call('POST', `/api/v1/churn/tasks/${task.id}/close`, { as: 'handler', body: { outcome: 'maybe' } })).status).toBe(400)
    const closed = await api.call('POST', `/api/v1/churn/tasks/${task.id}/close`, { as: 'handler', body: { outcome: 'retained', note: '电话回访，已解决' } })
    expect(closed.status).toBe(200)
    expect(closed.body.task).toMatchObject({ outcome: 'retained', closeNote: '电话回访，已解决' })
    expect((await api.call('POST', `/api/v1/churn/tasks/${task.id}/close`, { as: 'handler', body: { outcome: 'lost' } })).status).toBe(409)
    // opened and closed once each on the contact's log
    const logged = await q<{ detail: Record<string, unknown> }>(`SELECT detail FROM contact_events WHERE kind = 'task' AND contact_id = $1 ORDER BY id`, [task.contactId])
    expect(logged.map((e) => [e.detail['task'], e.detail['change'], e.detail['outcome'] ?? null])).toEqual([
      [task.id, 'opened', null],
      [task.id, 'closed', 'retained'],
    ])
    expect((await api.call('POST', `/api/v1/churn/tasks/999999/close`, { as: 'handler', body: { outcome: 'lost' } })).status).toBe(404)
    const one = await api.call('GET', `/api/v1/churn/tasks/${task.id}`, { as: 'viewer' })
    expect(one.body.events.map((e: { kind: string; actor: string }) => [e.kind, e.actor])).toEqual([
      ['opened', 'churn-score'],
      ['closed', closed.body.task.closedBy],
    ])
    expect(closed.body.task.closedBy).toMatch(/hans/)
    expect((await api.call('GET', '/api/v1/churn/tasks?status=open', { as: 'viewer' })).body.total).toBe(0)
    expect((await api.call('GET', '/api/v1/churn/tasks?status=all&owner=nobody', { as: 'viewer' })).body).toEqual({ items: [], total: 0 })
    expect((await api.call('GET', '/api/v1/churn/tasks?status=closed', { as: 'viewer' })).body.total).toBe(1)
    // closed within the cooldown: still at risk, but no second task
    const s = await sweepChurnScores(at(new Date(Date.now() + 3 * DAY)))
    expect(s.opened).toBe(0)
    const weeks = await api.call('GET', '/api/v1/churn/weeks', { as: 'viewer' })
    expect(weeks.body.items.reduce((n: number, w: { opened: number }) => n + w.opened, 0)).toBe(1)
    expect(weeks.body.items.reduce((n: number, w: { outcomes: { retained: number } }) => n + w.outcomes.retained, 0)).toBe(1)
  })

  it('the nightly job runs the tag rules first, then the churn scores', async () => {
    const wiring = wireChurn({ ds: h.runtime.ds, growth: h.runtime.growth!, wording: loadWordingDir('config/wording') })
    expect(wiring.enabled).toBe(true)
    const silent = new Date(Date.now() - 40 * DAY)
    await h.runtime.growth!.growth.noteInbound([{ wecomId: 'wx-quiet', name: '老王', personId: null, firstAt: silent, lastAt: silent }], silent)
    const quiet = await idOf('wx-quiet')
    await h.runtime.growth!.growth.transaction((tx) => tx.appendEvents([{ contactId: quiet, kind: 'left_group', groupKey: 'members', at: new Date(Date.now() - DAY) }]))
    const order: string[] = []
    const tagged = await wiring.nightly(async () => {
      order.push('rules')
      expect(await q(`SELECT 1 FROM churn_tasks WHERE contact_id = $1`, [quiet])).toEqual([])
      return 3
    })()
    expect(tagged).toBe(3)
    expect(order).toEqual(['rules'])
    expect(await q(`SELECT 1 FROM churn_tasks WHERE contact_id = $1 AND closed_at IS NULL`, [quiet])).toHaveLength(1)
  })

  it('the funnel counts new contacts, first interactions and typed-group joins per ISO week and group type', async () => {
    const r = await api.call('GET', '/api/v1/growth/funnel?weeks=8', { as: 'viewer' })
    expect(r.status).toBe(200)
    const all = r.body.items.filter((x: { groupType: string | null }) => x.groupType === null)
    const sum = (rows: Array<Record<string, number>>, k: string) => rows.reduce((n, x) => n + x[k]!, 0)
    const contacts = Number((await q<{ n: string }>(`SELECT count(*) AS n FROM contacts`))[0]!.n)
    expect(sum(all, 'newContacts')).toBe(contacts)
    expect(sum(all, 'firstInteraction')).toBe(Number((await q<{ n: string }>(`SELECT count(*) AS n FROM contacts WHERE first_inbound_at IS NOT NULL`))[0]!.n))
    const community = r.body.items.filter((x: { groupType: string | null }) => x.groupType === 'community')
    expect(sum(community, 'joinedTypedGroup')).toBe(1)
    expect(r.body.items[0].week).toMatch(/^\d{4}-W\d{2}$/)
  })

  it('GET /growth/sop-flows: SOP on-time rate per week and group type, flow completion per week and flow (documented in OpenAPI)', async () => {
    // three weeks back, out of reach of anything the running worker does now
    const due = new Date(Date.now() - 21 * DAY)
    const occ = (key: string, status: string, onTime: boolean | null) =>
      q(`INSERT INTO sop_occurrences (item_key, group_type, group_key, due_at, status, sent_at, on_time, created_at, updated_at) VALUES ($1, 'community', 'members', $2, $3, $4, $5, $2, $2)`, [
        key,
        due,
        status,
        status === 'sent' ? due : null,
        onTime,
      ])
    await occ('a', 'sent', true)
    await occ('b', 'sent', true)
    await occ('c', 'sent', false)
    await occ('d', 'missed', null)
    await occ('e', 'awaiting_review', null)
    const contact = Number((await q<{ id: string }>(`SELECT id FROM contacts WHERE name = '小周'`))[0]!.id)
    const run = async (status: string) => {
      const [ev] = await q<{ id: string }>(`INSERT INTO contact_events (contact_id, kind, detail, at) VALUES ($1, 'joined_group', '{}', $2) RETURNING id`, [contact, due])
      await q(`INSERT INTO flow_runs (contact_id, flow_key, flow_version, definition, status, trigger_event_id, started_at) VALUES ($1, 'old-flow', 'v1', '{}', $2, $3, $4)`, [contact, status, ev!.id, due])
    }
    await run('completed')
    await run('completed')
    await run('exited')
    const r = await api.call('GET', '/api/v1/growth/sop-flows?weeks=4', { as: 'viewer' })
    expect(r.status).toBe(200)
    const week = r.body.sop.find((x: { week: string; groupType: string; due: number }) => x.groupType === 'community' && x.due === 5)
    expect(week).toMatchObject({ groupType: 'community', groupTypeName: '会员社群', due: 5, sent: 3, onTime: 2, missed: 1, failed: 0, awaitingReview: 1, pending: 0, onTimeRate: 0.5 })
    expect(week.week).toMatch(/^\d{4}-W\d{2}$/)
    expect(r.body.flows.find((x: { flowKey: string }) => x.flowKey === 'old-flow')).toMatchObject({
      week: week.week,
      flowName: 'old-flow',
      started: 3,
      completed: 2,
      exited: 1,
      running: 0,
      completionRate: 0.667,
    })
    expect((await api.call('GET', '/api/v1/growth/sop-flows?weeks=0', { as: 'viewer' })).status).toBe(400)
    expect((await api.call('GET', '/api/v1/growth/sop-flows')).status).toBe(401)
    const spec = await api.call('GET', '/api/v1/openapi.json')
    expect(Object.keys(spec.body.paths)).toContain('/api/v1/growth/sop-flows')
  })
})
