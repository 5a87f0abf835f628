import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Queue } from 'bullmq'
import { loadTenant } from '../../src/config/load-tenant.js'
import { redisConnection } from '../../src/adapters/queue/outbound-queue.js'
import { CHURN_SWEEP_SCHEDULER_ID, createNightlyQueue, NIGHTLY_SCHEDULER_ID } from '../../src/adapters/queue/nightly-rules-queue.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { sayAndSettle, seen, sendsSettled } from '../support/groups.js'
import { eventually } from '../support/test-env.js'

describe("the sandbox's churn rule with short times: a newcomer sees a task within minutes", () => {
  let h: SandboxHarness
  let queue: Queue
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => h.runtime.ds.query(sql, params)

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.outbound = { ...tenant.outbound, perGroupPerMinute: 1000 }
    tenant.policy = { ...(tenant.policy as object), quietHours: { start: '00:00', end: '00:00' } } as typeof tenant.policy
    h = await startSandbox({ tenant })
    queue = createNightlyQueue(redisConnection(h.env.REDIS_URL), h.env.BATON_QUEUE_PREFIX)
  })
  afterAll(async () => {
    await queue?.close()
    await h?.close()
  })

  it('the worker schedules the churn sweep every minute beside the nightly run', async () => {
    const schedulers = await eventually(async () => {
      const s = await queue.getJobSchedulers()
      return s.length === 2 ? s : null
    })
    const byKey = new Map(schedulers.map((s) => [s.key, s]))
    expect(byKey.get(CHURN_SWEEP_SCHEDULER_ID)?.every).toBe(60_000)
    expect(byKey.get(NIGHTLY_SCHEDULER_ID)?.pattern).toBe('0 3 * * *')
  })

  it('a newcomer who complains in the members group and leaves it gets one task at the next sweep, no day passing', async () => {
    const id = h.runtime.sandbox!.join('members', { name: '小孙' })
    await eventually(async () => (await q(`SELECT 1 FROM contacts WHERE wecom_id = $1`, [id])).length === 1)
    await sayAndSettle(h, { as: '小孙', group: 'members', text: '买了一个月还没人管，我要投诉你们' })
    await h.runtime.contactActivity!.settle()
    h.runtime.sandbox!.leave('members', '小孙')
    await eventually(async () => (await q(`SELECT 1 FROM contact_events WHERE kind = 'left_group'`)).length === 1)
    await sendsSettled(h)
    // the job the one-minute scheduler adds, run now rather than waited for (twice: still one task)
    await queue.add(CHURN_SWEEP_SCHEDULER_ID, {})
    await queue.add(CHURN_SWEEP_SCHEDULER_ID, {})
    const tasks = await eventually(async () => {
      const rows = await q<{ id: string; reasons: Array<{ code: string }> }>(`SELECT t.id, t.reasons FROM churn_tasks t JOIN contacts c ON c.id = t.contact_id WHERE c.wecom_id = $1`, [id])
      return rows.length > 0 ? rows : null
    })
    expect(tasks).toHaveLength(1)
    expect(tasks[0]!.reasons.map((r) => r.code).sort()).toEqual(['complaint', 'left_group'])
    await sendsSettled(h)
    await eventually(async () => seen(h, 'internal').some((t) => t.includes(`流失预警 #${tasks[0]!.id}：客户小孙`)))
    await new Promise((r) => setTimeout(r, 300))
    expect(await q(`SELECT 1 FROM churn_tasks`)).toHaveLength(1)
  })
})
