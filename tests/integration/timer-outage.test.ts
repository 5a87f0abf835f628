import { Queue } from 'bullmq'
import { afterAll, describe, expect, it } from 'vitest'
import { redisConnection } from '../../src/adapters/queue/outbound-queue.js'
import { startTimerWorker, TIMER_QUEUE } from '../../src/adapters/queue/timer-queue.js'
import { isDatabaseOutage } from '../../src/adapters/db/is-outage.js'
import { eventually, testLogger, TEST_REDIS_URL, uniqueName } from '../support/test-env.js'

describe('timers during a PostgreSQL outage', () => {
  const prefix = uniqueName('bq')
  const connection = redisConnection(TEST_REDIS_URL)
  const queue = new Queue(TIMER_QUEUE, { connection, prefix })
  afterAll(async () => {
    await queue.obliterate({ force: true }).catch(() => undefined)
    await queue.close()
  })

  it('a timer whose firing meets an unreachable database is put back, keeps its attempts, and fires once when it returns', async () => {
    let calls = 0
    let fired = 0
    const worker = startTimerWorker({
      connection,
      prefix,
      log: testLogger(),
      isOutage: isDatabaseOutage,
      outagePauseMs: 100,
      fire: async () => {
        calls++
        // three passes hit the outage, more than the job's two attempts would survive
        if (calls <= 3) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
        fired++
        return 'reminded' as never
      },
    })
    try {
      await queue.add('timer', { caseId: 1, stateVersion: 1, attempt: 0 }, { jobId: 'timer-1-1-0', attempts: 2, backoff: { type: 'fixed', delay: 10 } })
      const job = await eventually(
        async () => {
          const j = await queue.getJob('timer-1-1-0')
          return j && (await j.isCompleted()) ? j : null
        },
        { timeoutMs: 15_000 },
      )
      expect(fired).toBe(1)
      expect(calls).toBe(4)
      expect(await job.isFailed()).toBe(false)
    } finally {
      await worker.close()
    }
  })

  it('other errors still use the attempts and fail', async () => {
    const worker = startTimerWorker({
      connection,
      prefix,
      log: testLogger(),
      isOutage: isDatabaseOutage,
      fire: async () => {
        throw new Error('case payload broken')
      },
    })
    try {
      await queue.add('timer', { caseId: 2, stateVersion: 1, attempt: 0 }, { jobId: 'timer-2-1-0', attempts: 2, backoff: { type: 'fixed', delay: 10 } })
      await eventually(async () => (await queue.getJob('timer-2-1-0'))?.isFailed(), { timeoutMs: 15_000 })
    } finally {
      await worker.close()
    }
  })
})
