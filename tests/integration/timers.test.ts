import { QueueEvents } from 'bullmq'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { fireTimer } from '../../src/app/fire-timer.js'
import { createTimerQueue, TIMER_QUEUE } from '../../src/adapters/queue/timer-queue.js'
import { redisConnection } from '../../src/adapters/queue/outbound-queue.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { botSaid, sayAndSettle, sendsSettled } from '../support/groups.js'
import { eventually, TEST_REDIS_URL } from '../support/test-env.js'

const fast = { dueIn: '20s', firstReminderAfter: '1s', remindEvery: '1s', remindersBeforeEscalation: 2, escalation: ['owner', 'supervisor'] }
const slow = { dueIn: '1h', firstReminderAfter: '1h', remindEvery: '1h', remindersBeforeEscalation: 1, escalation: ['owner'] }

describe('timers: reminders, escalation, write-backs and recovery (real Redis + PostgreSQL)', () => {
  let h: SandboxHarness
  const caseRow = async (customer: string) => (await h.runtime.ds.query(`SELECT * FROM cases WHERE customer_key = $1 ORDER BY id DESC LIMIT 1`, [customer]))[0]
  const reminders = (group: string) => botSaid(h, group).filter((t) => t.includes('温馨提醒'))

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.policy = {
      quietHours: { start: '00:00', end: '00:00' }, // no quiet window: this test runs at any hour
      automaticCategories: ['reminder'],
      waits: { waiting_customer_material: fast, waiting_partner: slow, requested: slow, waiting_contact_coordination: slow },
    }
    tenant.outbound = { ...tenant.outbound, perGroupPerMinute: 1000 }
    h = await startSandbox({ tenant })
  })
  afterAll(async () => {
    await h?.close()
  })

  it("reminds at the due time, twice, then escalates to the owner and then the supervisor; a request still in review is not the customer's to be reminded of", async () => {
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: 'DD20261102007 麻烦让客户补一下发票照片' })
    const c = await caseRow('zhao')
    expect(c.state).toBe('waiting_customer_material')
    const [request] = await h.runtime.ds.query(`SELECT id FROM drafts WHERE case_id = $1 AND category = 'material_request' AND status = 'pending'`, [c.id])
    expect(c.timer_job_id ?? (await eventually(async () => (await caseRow('zhao')).timer_job_id))).toBe(`timer-${c.id}-${c.state_version}-0`)
    await eventually(() => botSaid(h, 'internal').some((t) => t.startsWith('🚨 升级·主管')), { timeoutMs: 15_000 })
    await sendsSettled(h)
    // nobody approved the request: the customer was never asked, so the team is reminded of the draft
    expect(botSaid(h, 'cust-zhao')).toEqual([])
    const unsent = botSaid(h, 'internal').filter((t) => t.startsWith(`⏰ 案件#${c.id}`) && t.includes('客户没有收到'))
    expect(unsent).toHaveLength(2)
    for (const t of unsent) expect(t).toContain(`/approve ${request.id}`)
    const escalations = botSaid(h, 'internal').filter((t) => t.startsWith('🔔') || t.startsWith('🚨'))
    expect(escalations).toHaveLength(2)
    expect(escalations[0]).toMatch(/^🔔 升级·负责人/)
    expect(escalations[1]).toMatch(/^🚨 升级·主管/)
    const after = await caseRow('zhao')
    expect(after.reminder_count).toBe(4)
    // each step was fired by its own BullMQ job (a job that came after something else fired its
    // timer would have found it stale); the jobs themselves are gone, their events remain
    const events = new QueueEvents(TIMER_QUEUE, { connection: redisConnection(TEST_REDIS_URL), prefix: h.env.BATON_QUEUE_PREFIX, lastEventId: '0' })
    const outcomes = new Map<string, string>()
    events.on('completed', ({ jobId, returnvalue }) => void outcomes.set(jobId, String(returnvalue)))
    try {
      const jobs = [0, 1, 2, 3].map((attempt) => `timer-${c.id}-${c.state_version}-${attempt}`)
      await eventually(() => jobs.every((j) => outcomes.has(j)), { timeoutMs: 5000 })
      expect(jobs.map((j) => outcomes.get(j))).toEqual(['remind', 'remind', 'escalate_owner', 'escalate_supervisor'])
    } finally {
      await events.close()
    }
    // reminder lateness is exported for Prometheus, per step
    const addr = h.runtime.server!.address()
    const metrics = await (await fetch(`http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/metrics`)).text()
    expect(metrics).toMatch(/baton_timer_lateness_seconds_count\{step="remind"\} [2-9]/)
    expect(metrics).toMatch(/baton_timer_lateness_seconds_count\{step="escalate_owner"\} [1-9]/)
    expect(after.next_timer_at).toBeNull()
    // the supervisor also hears it directly
    const [dm] = await h.runtime.ds.query(`SELECT text FROM sends WHERE contact_id = 'wx-supervisor-liu' AND kind = 'escalation'`)
    expect(dm.text).toContain(`案件#${c.id}`)
    await sayAndSettle(h, { as: 'wx-supervisor-liu', group: 'internal', text: `/cancel ${c.id} 测试结束` })
  })

  it('a timer fired twice (a worker killed mid-job, a re-delivered job) reminds once', async () => {
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: '/open 老张 资料 补资料' })
    const opened = await caseRow('zhang')
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/wait ${opened.id} waiting_customer_material` })
    const c = await caseRow('zhang')
    // take the timer away from the worker: fire it by hand, twice, concurrently
    await h.runtime.ds.query(`UPDATE cases SET next_timer_at = now() - interval '1 second' WHERE id = $1`, [c.id])
    const job = { caseId: Number(c.id), stateVersion: c.state_version, attempt: c.reminder_count }
    const { services, wording } = await import('../../src/main/build-services.js').then((m) => m.buildServices(h.tenant, h.runtime.directory))
    const { SqlStore } = await import('../../src/adapters/db/sql-store.js')
    const timerDeps = { store: new SqlStore(h.runtime.ds), directory: h.runtime.directory, services, wording, clock: { now: () => new Date() }, log: (await import('../support/test-env.js')).testLogger() }
    const outcomes = await Promise.all([fireTimer(timerDeps, job), fireTimer(timerDeps, job)])
    expect(outcomes.sort()).toEqual(['remind', 'stale'])
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/cancel ${c.id} 测试结束` })
  })

  it('FLUSHALL while a case waits: the reconciler rebuilds the timer and it fires once', async () => {
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: '/open 老张 资料 补资料' })
    const c = await caseRow('zhang')
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/wait ${c.id} waiting_customer_material` })
    const before = reminders('cust-zhang').length
    // lose every key of this run's queues (a FLUSHALL of the shared Redis would also wipe the
    // queues of test files running in parallel)
    const redis = new Redis(TEST_REDIS_URL)
    const keys = await redis.keys(`${h.env.BATON_QUEUE_PREFIX}:*`)
    expect(keys.length).toBeGreaterThan(0)
    await redis.del(...keys)
    await redis.quit()
    // nobody calls the reconciler: it notices the loss within seconds and rebuilds from PostgreSQL
    await eventually(() => reminders('cust-zhang').length > before, { timeoutMs: 10_000 })
    await new Promise((r) => setTimeout(r, 300))
    const [{ n }] = await h.runtime.ds.query(`SELECT count(*)::int AS n FROM case_events WHERE case_id = $1 AND kind = 'timer_fired' AND payload->>'attempt' = '0'`, [c.id])
    expect(n).toBe(1)
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/cancel ${c.id} 测试结束` })
  })

  it('the customer sending the photo writes back once and the pending reminders are gone', async () => {
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: 'DD20261102007 还差一张铭牌照片，让客户拍一下' })
    const c = await caseRow('zhao')
    const oldJob = await eventually(async () => (await caseRow('zhao')).timer_job_id as string | null)
    await sayAndSettle(h, { as: 'wx-zhao', group: 'cust-zhao', image: 'nameplate.jpg' })
    await sendsSettled(h)
    const after = await caseRow('zhao')
    expect(after.state).toBe('waiting_partner')
    expect(botSaid(h, 'partner-anxin').filter((t) => t.startsWith(`【回写】案件#${c.id}`))).toHaveLength(1)
    await eventually(async () => (await caseRow('zhao')).timer_job_id !== oldJob)
    const q = createTimerQueue(redisConnection(TEST_REDIS_URL), h.env.BATON_QUEUE_PREFIX)
    expect(await q.getJob(oldJob!)).toBeUndefined()
    await q.close()
  })

  it('cancelling a case removes its timers', async () => {
    const c = await caseRow('zhao')
    const job = await eventually(async () => (await caseRow('zhao')).timer_job_id as string | null)
    await sayAndSettle(h, { as: 'wx-supervisor-liu', group: 'internal', text: `/cancel ${c.id} 客户已自行处理` })
    await eventually(async () => (await caseRow('zhao')).timer_job_id === null)
    const q = createTimerQueue(redisConnection(TEST_REDIS_URL), h.env.BATON_QUEUE_PREFIX)
    expect(await q.getJob(job!)).toBeUndefined()
    await q.close()
  })

  it('/snooze pushes the next reminder and the due time; /remind now sends it at once; the card shows it', async () => {
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: '/open 赵姐 资料 测试暂缓' })
    const c = await caseRow('zhao')
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/wait ${c.id} waiting_customer_material` })
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/snooze ${c.id} 2h 客户出差` })
    await sendsSettled(h)
    expect(botSaid(h, 'internal').at(-1)).toMatch(new RegExp(`^😴 案件#${c.id} 已暂缓，下次提醒 `))
    const snoozed = await caseRow('zhao')
    expect(new Date(snoozed.next_timer_at).getTime() - Date.now()).toBeGreaterThan(7_000_000)
    const before = reminders('cust-zhao').length
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/remind ${c.id} now` })
    await eventually(() => reminders('cust-zhao').length === before + 1, { timeoutMs: 10_000 })
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/case ${c.id}` })
    await sendsSettled(h)
    expect(botSaid(h, 'internal').at(-1)).toContain('下次提醒：')
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/cancel ${c.id} 测试结束` })
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/remind ${c.id}` })
    await sendsSettled(h)
    expect(botSaid(h, 'internal')).toContain(`案件#${c.id} 已结束（已取消）。`)
  })

  it('/remind now on a timer an hour away reminds within seconds, and the old job is gone (a moved timer gets a new job id)', async () => {
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: '/open 赵姐 资料 一小时后提醒' })
    const c = await caseRow('zhao')
    expect(c.state).toBe('requested')
    await h.runtime.timers!.reconcileNow('changed')
    const first = (await caseRow('zhao')).timer_job_id as string
    expect(first).toMatch(/^timer-/)
    const teamReminders = () => botSaid(h, 'internal').filter((t) => t.includes(`案件#${c.id}`) && t.includes('已到处理时限'))
    expect(teamReminders()).toHaveLength(0)
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/remind ${c.id} now` })
    await eventually(() => teamReminders().length === 1, { timeoutMs: 10_000 })
    const moved = (await caseRow('zhao')).timer_job_id as string
    expect(moved).not.toBe(first)
    const q = createTimerQueue(redisConnection(TEST_REDIS_URL), h.env.BATON_QUEUE_PREFIX)
    expect(await q.getJob(first)).toBeUndefined()
    await q.close()
    await sayAndSettle(h, { as: 'wx-handler-wang', group: 'internal', text: `/cancel ${c.id} 测试结束` })
  })
})
