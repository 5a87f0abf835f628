import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Queue, Worker } from 'bullmq'
import { createOutboundQueue, pacingKeyOf, redisConnection, sendJobId, startOutboundWorker, type SendJob } from '../../src/adapters/queue/outbound-queue.js'
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
  type Mode = 'pacing key' | 'group read'
  const delivered: Array<{ sendId: number; at: number }> = []
  const tries = new Map<number, number>()
  let queue: Queue<SendJob>
  let worker: Worker<SendJob>

  /** sends whose group the worker had to read (a job queued without its pacing key) */
  const read = new Set<number>()
  const add = async (sendId: number, group: string, how: Mode): Promise<void> => {
    groups.set(sendId, group)
    await queue.add('send', how === 'pacing key' ? { sendId, pacing: pacingKeyOf(group) } : { sendId }, { jobId: sendJobId(sendId) })
  }

  beforeAll(async () => {
    queue = createOutboundQueue(connection, prefix, cfg)
    worker = startOutboundWorker({
      connection,
      prefix,
      cfg,
      log: testLogger(),
      windowMs: WINDOW,
      groupOf: async (id) => {
        read.add(id)
        return groups.get(id) ?? null
      },
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

  // as the outbox relay queues a send (its group's pacing key on the job), and as an older relay did
  it.each(['pacing key', 'group read'] as const)(
    'by the %s: a customer reply queued behind ten notices to a group over its limit goes out at once; the notices follow in order, each once',
    async (how) => {
      const base = how === 'pacing key' ? 0 : 100
      const start = Date.now()
      for (let id = base + 1; id <= base + 10; id++) await add(id, `internal-${how}`, how)
      await add(base + 11, `cust-zhao-${how}`, how)
      await eventually(() => delivered.some((d) => d.sendId === base + 11), { timeoutMs: 5000 })
      const reply = delivered.find((d) => d.sendId === base + 11)!
      // the reply did not wait for the internal group's window to pass
      expect(reply.at - start).toBeLessThan(WINDOW / 2)
      const notice = (id: number) => id > base && id <= base + 10
      expect(delivered.filter((d) => notice(d.sendId) && d.at <= reply.at).length).toBeLessThanOrEqual(cfg.perGroupPerMinute)
      await eventually(() => delivered.filter((d) => notice(d.sendId)).length === 10, { timeoutMs: 15_000 })
      const internal = delivered.filter((d) => notice(d.sendId))
      expect(internal.map((d) => d.sendId - base)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      // never more than the group's limit within one window
      for (const d of internal) expect(internal.filter((e) => e.at >= d.at && e.at - d.at < WINDOW - 50).length).toBeLessThanOrEqual(cfg.perGroupPerMinute)
      for (let id = base + 1; id <= base + 11; id++) expect(tries.get(id)).toBe(1)
      // waiting for its slot used none of a send's attempts: each ended on its first
      for (let id = base + 1; id <= base + 10; id++) expect((await queue.getJob(sendJobId(id)))?.attemptsMade).toBe(1)
      // a job with its pacing key costs no read of its send
      const ids = Array.from({ length: 11 }, (_, i) => base + i + 1)
      expect(ids.filter((id) => read.has(id))).toEqual(how === 'pacing key' ? [] : ids)
    },
    30_000,
  )

  it('the pacing key names no group: a digest, the same for the same group', () => {
    const key = pacingKeyOf('cust-zhang')!
    expect(key).not.toContain('zhang')
    expect(key).toBe(pacingKeyOf('cust-zhang'))
    expect(key).not.toBe(pacingKeyOf('cust-zhao'))
    expect(pacingKeyOf(null)).toBeNull()
  })
})
