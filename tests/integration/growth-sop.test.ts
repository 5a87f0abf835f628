import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { growthSchema } from '../../src/config/growth-schema.js'
import { loadWordingDir } from '../../src/config/load-wording-dir.js'
import { SOP_FLOW_ENTITIES } from '../../src/adapters/db/sop-flow-entities.js'
import { SqlSopFlowStore } from '../../src/adapters/db/sop-flow-store.js'
import { postSopCalendar } from '../../src/app/growth/post-sop-calendar.js'
import { runFlowStep, startTriggeredFlows } from '../../src/app/growth/run-flows.js'
import type { SopFlowDeps } from '../../src/app/growth/sop-flow-deps.js'
import { flowVersion } from '../../src/domain/growth/flow-plan.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { sayAndSettle, sendsSettled } from '../support/groups.js'
import { eventually } from '../support/test-env.js'

const HOUR = 3_600_000

/**
 * The SOP calendar and the flows' use cases on real PostgreSQL, driven with a clock of the test's
 * own. Baton runs in the bot role only (its sends are delivered to the mock tenant), so no worker
 * of its own ticks beside the test.
 */
describe('SOP occurrences and flow steps on real PostgreSQL: once, tracked, never repeated', () => {
  let h: SandboxHarness
  let deps: SopFlowDeps
  let offset = 0
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => h.runtime.ds.query(sql, params)
  const cfg = growthSchema.parse({
    dimensions: [{ key: 'lifecycle', name: '生命周期', exclusive: true, stage: true }],
    tags: [
      { name: '新客', dimension: 'lifecycle' },
      { name: '活跃', dimension: 'lifecycle' },
    ],
    groupTypes: [
      { key: 'community', name: '会员社群', groups: ['members'], sop: [{ key: 'weekly', schedule: '0 * * * *', text: '📣 本周会员活动预告', window: '30m' }] },
      { key: 'service', name: '服务群', groups: ['cust-zhang', 'cust-zhao'], sop: [{ key: 'care', schedule: '0 * * * *', text: '🌟 温馨提示：有问题随时找我们', window: '30m' }] },
    ],
    flows: [
      {
        key: 'activate',
        name: '新会员激活',
        trigger: { event: 'joined_group', groupType: 'community' },
        exitOnReply: true,
        steps: [
          { delay: '0s', action: { kind: 'task', text: '请欢迎{name}' } },
          { delay: '1s', when: { notReplied: true }, action: { kind: 'add_tag', tag: '新客' } },
          { delay: '1s', action: { kind: 'set_stage', stage: '活跃' } },
        ],
      },
    ],
  })

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.outbound = { ...tenant.outbound, perGroupPerMinute: 1000 }
    tenant.policy = { ...(tenant.policy as object), quietHours: { start: '00:00', end: '00:00' } } as typeof tenant.policy
    h = await startSandbox({ tenant, roles: ['bot'] })
    const g = h.runtime.growth!
    deps = {
      store: new SqlSopFlowStore(h.runtime.ds),
      cfg,
      directory: h.runtime.directory,
      policy: g.policy,
      wording: loadWordingDir('config/wording'),
      knowledgeText: () => null,
      clock: { now: () => new Date(Date.now() + offset) },
      log: g.log,
      sendsQueued: () => h.runtime.relay!.kick(),
    }
  })
  afterAll(async () => {
    await h?.close()
  })

  it("each SOP and flow entity has exactly the migrated table's columns, types and nullability", async () => {
    for (const entity of SOP_FLOW_ENTITIES) {
      const meta = h.runtime.ds.getMetadata(entity)
      const cols = await q<{ column_name: string; data_type: string; is_nullable: string }>(
        `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY column_name`,
        [h.env.DATABASE_SCHEMA, meta.tableName],
      )
      const fromEntity = meta.columns
        .map((c) => ({ column_name: c.databaseName, data_type: c.type === 'timestamptz' ? 'timestamp with time zone' : String(c.type), is_nullable: c.isNullable ? 'YES' : 'NO' }))
        .sort((a, b) => a.column_name.localeCompare(b.column_name))
      expect(fromEntity, meta.tableName).toEqual(cols)
    }
  })

  it('an occurrence is posted once even when the tick runs twice and side by side; a public group’s waits for review', async () => {
    // 30 s past the next top of the hour
    const nextHour = Math.ceil(Date.now() / HOUR) * HOUR
    offset = nextHour + 30_000 - Date.now()
    await Promise.all([postSopCalendar(deps), postSopCalendar(deps), postSopCalendar(deps)])
    await postSopCalendar(deps)
    const rows = await q<{ item_key: string; group_key: string; status: string; on_time: boolean | null; due_at: Date }>(
      `SELECT item_key, group_key, status, on_time, due_at FROM sop_occurrences ORDER BY group_key`,
    )
    expect(rows.map((r) => [r.item_key, r.group_key, r.status, r.on_time])).toEqual([
      ['care', 'cust-zhang', 'sent', true],
      ['care', 'cust-zhao', 'sent', true],
      ['weekly', 'members', 'awaiting_review', null],
    ])
    expect(rows.every((r) => r.due_at.getTime() === nextHour)).toBe(true)
    const sends = await q<{ group_key: string }>(`SELECT group_key FROM sends WHERE kind = 'sop' ORDER BY group_key`)
    expect(sends.map((s) => s.group_key)).toEqual(['cust-zhang', 'cust-zhao'])
    const [draft] = await q<{ id: string; status: string; case_id: string | null; category: string }>(`SELECT id, status, case_id, category FROM drafts`)
    expect(draft).toMatchObject({ status: 'pending', case_id: null, category: 'sop' })
    const notices = await q<{ text: string }>(`SELECT text FROM sends WHERE kind = 'notice' AND group_key = 'internal'`)
    expect(notices.map((n) => n.text)).toEqual([
      `📅 SOP 待审核 草稿#${draft!.id}｜发往「会员交流群」\n拟发送：📣 本周会员活动预告\n/approve ${draft!.id}\u3000/edit ${draft!.id} 新内容\u3000/reject ${draft!.id} 原因`,
    ])
    await sendsSettled(h)
    expect(h.runtime.sandbox!.transcript('cust-zhao').filter((l) => l.text === '🌟 温馨提示：有问题随时找我们')).toHaveLength(1)
  })

  it('approved in the internal group, the reviewed occurrence goes out and is tracked as sent', async () => {
    const [draft] = await q<{ id: string }>(`SELECT id FROM drafts WHERE category = 'sop'`)
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/approve ${draft!.id}` })
    await sendsSettled(h)
    await postSopCalendar(deps)
    const [row] = await q<{ status: string; send_id: string | null; on_time: boolean }>(`SELECT status, send_id, on_time FROM sop_occurrences WHERE group_key = 'members'`)
    expect(row!.status).toBe('sent')
    expect(row!.send_id).not.toBeNull()
    expect(h.runtime.sandbox!.transcript('members').filter((l) => l.text === '📣 本周会员活动预告')).toHaveLength(1)
  })

  it('a worker away past the window: the occurrence is marked missed, never posted late; within it, caught up once', async () => {
    const before = (await q<{ n: number }>(`SELECT count(*)::int AS n FROM sends WHERE kind = 'sop'`))[0]!.n
    // an hour and 40 minutes on: the next hour's occurrence is 40 minutes old (window 30m)
    offset += HOUR + 40 * 60_000
    await postSopCalendar(deps)
    const missed = await q<{ group_key: string }>(`SELECT group_key FROM sop_occurrences WHERE status = 'missed' ORDER BY group_key`)
    expect(missed.map((m) => m.group_key)).toEqual(['cust-zhang', 'cust-zhao', 'members'])
    expect((await q<{ n: number }>(`SELECT count(*)::int AS n FROM sends WHERE kind = 'sop'`))[0]!.n).toBe(before)
    // 20 minutes further: the occurrence after that is 0 min late at most... move to 10 past it
    offset += 30 * 60_000
    await Promise.all([postSopCalendar(deps), postSopCalendar(deps)])
    const caught = await q<{ group_key: string; on_time: boolean }>(
      `SELECT group_key, on_time FROM sop_occurrences WHERE status = 'sent' AND due_at = (SELECT max(due_at) FROM sop_occurrences) ORDER BY group_key`,
    )
    expect(caught).toEqual([
      { group_key: 'cust-zhang', on_time: false },
      { group_key: 'cust-zhao', on_time: false },
    ])
    expect((await q<{ n: number }>(`SELECT count(*)::int AS n FROM sends WHERE kind = 'sop'`))[0]!.n).toBe(before + 2)
  })

  it('a flow step retried or run twice at once acts once; the run keeps its version and completes', async () => {
    offset = 0
    // the first look sets the flows' place at the end of the log: history starts nothing
    expect(await startTriggeredFlows(deps)).toEqual([])
    h.runtime.sandbox!.join('members', { name: '小陈' })
    await eventually(async () => (await q(`SELECT 1 FROM contact_events WHERE kind = 'joined_group'`)).length === 1)
    const planned = await startTriggeredFlows(deps)
    expect(planned).toHaveLength(1)
    expect(await startTriggeredFlows(deps)).toEqual([])
    // the flow is edited after the run started: a new version, but the run keeps the one it started with
    const edited = { ...cfg, flows: [{ ...cfg.flows[0]!, steps: [{ ...cfg.flows[0]!.steps[0]!, action: { kind: 'task' as const, text: '新版：请欢迎{name}' } }, ...cfg.flows[0]!.steps.slice(1)] }] }
    expect(flowVersion(edited.flows[0]!)).not.toBe(flowVersion(cfg.flows[0]!))
    deps.cfg = edited
    const results = await Promise.all([runFlowStep(deps, planned[0]!.id), runFlowStep(deps, planned[0]!.id)])
    deps.cfg = cfg
    expect(results.map((r) => r.kind).sort()).toEqual(['done', 'stale'])
    expect((await runFlowStep(deps, planned[0]!.id)).kind).toBe('stale')
    const tasks = await q<{ text: string }>(`SELECT text FROM sends WHERE kind = 'notice' AND text LIKE '📝%'`)
    expect(tasks.map((t) => t.text)).toEqual(['📝 流程「新会员激活」待办（小陈）：请欢迎小陈'])
    const next = results.find((r) => r.kind === 'done')
    const nextId = next && 'next' in next ? next.next!.id : 0
    // not due yet: nothing happens
    expect((await runFlowStep(deps, nextId)).kind).toBe('stale')
    await new Promise((r) => setTimeout(r, 1100))
    const second = await runFlowStep(deps, nextId)
    expect(second.kind).toBe('done')
    await new Promise((r) => setTimeout(r, 1100))
    expect((await runFlowStep(deps, second.kind === 'done' ? second.next!.id : 0)).kind).toBe('done')
    const [run] = await q<{ status: string; current_step: number; flow_version: string }>(`SELECT status, current_step, flow_version FROM flow_runs`)
    expect(run).toEqual({ status: 'completed', current_step: 2, flow_version: flowVersion(cfg.flows[0]!) })
    expect((await q(`SELECT step_index, status FROM flow_steps ORDER BY step_index`)).map((s) => [s['step_index'], s['status']])).toEqual([
      [0, 'done'],
      [1, 'done'],
      [2, 'done'],
    ])
    // the join rules had tagged 新客 already; the flow's stage step moved the stage on
    const steps = await q<{ outcome: Record<string, string> }>(`SELECT outcome FROM flow_steps ORDER BY step_index`)
    expect(steps.map((s) => s.outcome)).toEqual([
      { action: 'task', noticeId: expect.any(Number) },
      { action: 'add_tag', result: 'already' },
      { action: 'set_stage', result: 'added' },
    ])
    const [contact] = await q<{ stage: string }>(`SELECT stage FROM contacts WHERE name = '小陈'`)
    expect(contact!.stage).toBe('活跃')
    const byFlow = await q(`SELECT tag, applied_by FROM contact_tags WHERE source = 'flow' AND removed_at IS NULL`)
    expect(byFlow).toEqual([{ tag: '活跃', applied_by: 'activate' }])
    // each step that ran is on the contact's log once (the doubled run wrote one)
    const logged = await q<{ detail: Record<string, unknown> }>(`SELECT e.detail FROM contact_events e JOIN contacts c ON c.id = e.contact_id WHERE c.name = '小陈' AND e.kind = 'flow_step' ORDER BY e.id`)
    expect(logged.map((e) => [e.detail['step'], e.detail['status'], e.detail['action']])).toEqual([
      [0, 'done', 'task'],
      [1, 'done', 'add_tag'],
      [2, 'done', 'set_stage'],
    ])
  })

  it('a contact who replies leaves a flow that exits on reply; a second join while it runs starts nothing', async () => {
    h.runtime.sandbox!.join('members', { name: '小林' })
    await eventually(async () => (await q(`SELECT 1 FROM contact_events e JOIN contacts c ON c.id = e.contact_id WHERE c.name = '小林'`)).length > 0)
    const [first] = await startTriggeredFlows(deps)
    expect((await runFlowStep(deps, first!.id)).kind).toBe('done')
    h.runtime.sandbox!.join('members', { name: '小林' })
    await eventually(async () => (await q(`SELECT 1 FROM contact_events e JOIN contacts c ON c.id = e.contact_id WHERE c.name = '小林' AND e.kind = 'joined_group'`)).length === 2)
    expect(await startTriggeredFlows(deps)).toEqual([])
    await sayAndSettle(h, { as: '小林', group: 'members', text: '谢谢，收到了' })
    await h.runtime.contactActivity!.settle()
    await startTriggeredFlows(deps)
    const [run] = await q<{ status: string; exit_reason: string }>(`SELECT r.status, r.exit_reason FROM flow_runs r JOIN contacts c ON c.id = r.contact_id WHERE c.name = '小林' ORDER BY r.id`)
    expect(run).toEqual({ status: 'exited', exit_reason: 'replied' })
    // the second join is kept as a run that ended at once: read again, it starts nothing
    await startTriggeredFlows(deps)
    const runs = await q<{ status: string; exit_reason: string }>(`SELECT r.status, r.exit_reason FROM flow_runs r JOIN contacts c ON c.id = r.contact_id WHERE c.name = '小林' ORDER BY r.id`)
    expect(runs).toEqual([run, { status: 'exited', exit_reason: 'already_in_flow' }])
    const steps = await q<{ step_index: number; status: string }>(
      `SELECT s.step_index, s.status FROM flow_steps s JOIN flow_runs r ON r.id = s.run_id JOIN contacts c ON c.id = r.contact_id WHERE c.name = '小林' ORDER BY s.step_index`,
    )
    expect(steps).toEqual([
      { step_index: 0, status: 'done' },
      { step_index: 1, status: 'cancelled' },
    ])
  })
})
