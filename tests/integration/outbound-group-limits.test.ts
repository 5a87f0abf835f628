import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Queue, Worker } from 'bullmq'
import { createOutboundQueue, redisConnection, sendJobId, startOutboundWorker, type SendJob } from '../../src/adapters/queue/outbound-queue.js'
import { eventually, testLogger, TEST_REDIS_URL, uniqueName } from '../support/test-env.js'

/**
 * The send worker on real Redis with a stand-in for delivery: which group each send is for and
 * what was delivered, in order. Windows are shortened to a second so a held send comes back soon.
 */
describe('per-group send limits hold back only the group over its limit', () => {
  const WINDOW = 1000
  const cfg = { perGroupPerMinute: 3, perAccountPerMinute: 100, attempts: 3, backoffMs: 20 }
  const connection = redisConnection(TEST_REDIS_URL)
  const prefix = uniqueName('bq')
  const groups = new Map<number, string>()
  const delivered: Array<{ sendId: number; at: number }> = []
  const tries = new Map<number, number>()
  let queue: Queue<SendJob>
  let worker: Worker<SendJob>

  const add = async (sendId: number, group: string): Promise<void> => {
    groups.set(sendId, group)
    await queue.add('send', { sendId }, { jobId: sendJobId(sendId) })
  }

  beforeAll(async () => {
    queue = createOutboundQueue(connection, prefix, cfg)
    worker = startOutboundWorker({
      connection,
      prefix,
      cfg,
      log: testLogger(),
      windowMs: WINDOW,
      groupOf: async (id) => groups.get(id) ?? null,
      deliver: async (sendId) => {
        tries.set(sendId, (tries.get(sendId) ?? 0) + 1)
        delivered.push({ sendId, at: Date.now() })
        return 'sent'
      },
    })
  })
  afterAll(async () => {
    await worker?.close()
    await queue?.obliterate({ force: true })
    await queue?.close()
  })

  it('a customer reply queued behind ten notices to a group over its limit goes out at once; the notices follow in order, each once', async () => {
    const start = Date.now()
    for (let id = 1; id <= 10; id++) await add(id, 'internal')
    await add(11, 'cust-zhao')
    await eventually(() => delivered.some((d) => d.sendId === 11), { timeoutMs: 5000 })
    const reply = delivered.find((d) => d.sendId === 11)!
    // the reply did not wait for the internal group's window to pass
    expect(reply.at - start).toBeLessThan(WINDOW / 2)
    expect(delivered.filter((d) => d.sendId <= 10 && d.at <= reply.at).length).toBeLessThanOrEqual(cfg.perGroupPerMinute)
    await eventually(() => delivered.filter((d) => d.sendId <= 10).length === 10, { timeoutMs: 15_000 })
    const internal = delivered.filter((d) => d.sendId <= 10)
    expect(internal.map((d) => d.sendId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    // never more than the group's limit within one window
    for (const d of internal) expect(internal.filter((e) => e.at >= d.at && e.at - d.at < WINDOW - 50).length).toBeLessThanOrEqual(cfg.perGroupPerMinute)
    for (let id = 1; id <= 11; id++) expect(tries.get(id)).toBe(1)
    // waiting for its slot used none of a send's attempts: each ended on its first
    for (let id = 1; id <= 10; id++) expect((await queue.getJob(sendJobId(id)))?.attemptsMade).toBe(1)
  }, 30_000)
})
