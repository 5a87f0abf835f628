import { UnrecoverableError, Worker } from 'bullmq'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import type { TimerJob } from '../../src/app/fire-timer.js'
import { createTimerQueue, startTimerWorker, TIMER_QUEUE } from '../../src/adapters/queue/timer-queue.js'
import { redisConnection } from '../../src/adapters/queue/outbound-queue.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { sayAndSettle } from '../support/groups.js'
import { eventually, testLogger } from '../support/test-env.js'

const slow = { dueIn: '1h', firstReminderAfter: '1h', remindEvery: '1h', remindersBeforeEscalation: 1, escalation: ['owner'] }

describe('a timer whose job failed for good while PostgreSQL was away (real Redis + PostgreSQL)', () => {
  let h: SandboxHarness

  beforeAll(async () => {
    const tenant = loadTenant('config/sandbox.yaml')
    tenant.policy = { quietHours: { start: '00:00', end: '00:00' }, waits: { waiting_customer_material: slow, waiting_contact_coordination: slow, waiting_partner: slow, requested: slow } }
    // the bot role schedules timers but runs no timer worker: this test plays the worker
    h = await startSandbox({ tenant, roles: ['bot'] })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('is scheduled again by the reconciler and fires', async () => {
    await sayAndSettle(h, { as: '李师傅', group: 'partner-anxin', text: 'DD20261102007 麻烦让客户补一下发票照片' })
    const [c] = await h.runtime.ds.query(`SELECT id, state_version, reminder_count FROM cases WHERE customer_key = 'zhao'`)
    const jobId = `timer-${c.id}-${c.state_version}-${c.reminder_count}`
    await eventually(async () => (await h.runtime.ds.query(`SELECT timer_job_id FROM cases WHERE id = $1`, [c.id]))[0].timer_job_id === jobId)

    // the timer comes due while PostgreSQL is away: every attempt fails and the job ends failed
    const connection = redisConnection(h.env.REDIS_URL)
    const queue = createTimerQueue(connection, h.env.BATON_QUEUE_PREFIX)
    await h.runtime.ds.query(`UPDATE cases SET next_timer_at = now() - interval '30 seconds' WHERE id = $1`, [c.id])
    const failing = new Worker<TimerJob>(
      TIMER_QUEUE,
      async () => {
        throw new UnrecoverableError('connect ECONNREFUSED (PostgreSQL)')
      },
      { connection, prefix: h.env.BATON_QUEUE_PREFIX },
    )
    await (await queue.getJob(jobId))!.promote()
    await eventually(async () => (await queue.getJob(jobId))?.isFailed(), { timeoutMs: 15_000 })
    await failing.close()

    // PostgreSQL is back: the full pass brings the timer back and a worker fires it
    const fired: TimerJob[] = []
    const worker = startTimerWorker({ connection, prefix: h.env.BATON_QUEUE_PREFIX, log: testLogger(), fire: async (job) => (fired.push(job), 'remind') })
    try {
      await h.runtime.timers!.reconcileNow('full')
      await eventually(() => fired.length > 0, { timeoutMs: 15_000 })
      expect(fired).toEqual([{ caseId: Number(c.id), stateVersion: c.state_version, attempt: c.reminder_count }])
    } finally {
      await worker.close()
      await queue.close()
    }
  })
})
