import { Queue } from 'bullmq'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { botSaid, sendsSettled } from '../support/groups.js'
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis.js'
import { eventually } from '../support/test-env.js'

describe('Redis outage: messages are still recorded and decided; sends wait in the outbox', () => {
  let redis: PrivateRedis
  let h: SandboxHarness

  beforeAll(async () => {
    redis = await startPrivateRedis()
    h = await startSandbox({ env: { REDIS_URL: redis.url } })
  }, 60_000)
  afterAll(async () => {
    await redis?.start().catch(() => undefined)
    await h?.close()
    await redis?.kill()
  })

  it('records and decides during the outage, then delivers every queued send exactly once when Redis is back', async () => {
    await redis.kill()
    const started = Date.now()
    const sandbox = h.runtime.sandbox!
    sandbox.say({ as: '李师傅', group: 'partner-anxin', text: '【断缓存】DD20261101001 麻烦客户上传安装位置照片' })
    sandbox.say({ as: '赵女士', group: 'cust-zhao', text: '【断缓存】你好，请问我的售后进度怎么样了' })
    const decided = await eventually(
      async () => {
        const rows: Array<{ text: string; handled: boolean }> = await h.runtime.ds.query(`SELECT text, handled_at IS NOT NULL AS handled FROM messages WHERE text LIKE '【断缓存】%'`)
        return rows.length === 2 && rows.every((r) => r.handled) ? rows : null
      },
      { timeoutMs: 20_000 },
    )
    expect(decided).toHaveLength(2)
    // handling did not wait for Redis
    expect(Date.now() - started).toBeLessThan(15_000)
    const waiting: Array<{ id: string }> = await h.runtime.ds.query(`SELECT id FROM sends WHERE status = 'queued' AND relayed_at IS NULL`)
    expect(waiting.length).toBeGreaterThan(0)
    expect(botSaid(h, 'internal').some((t) => t.includes('DD20261101001'))).toBe(false)

    await redis.start()
    await eventually(async () => (await h.runtime.ds.query(`SELECT count(*)::int AS n FROM sends WHERE status IN ('queued','sending') AND (not_before IS NULL OR not_before <= now())`))[0].n === 0, {
      timeoutMs: 40_000,
    })
    await sendsSettled(h)
    const sent: Array<{ id: string; status: string }> = await h.runtime.ds.query(`SELECT id, status FROM sends WHERE id = ANY($1::bigint[])`, [waiting.map((w) => w.id)])
    expect(sent.every((s) => s.status === 'sent')).toBe(true)
    const notices = botSaid(h, 'internal').filter((t) => t.includes('DD20261101001'))
    expect(notices).toHaveLength(1)
  }, 90_000)

  it('jobs in Redis carry ids only, never what anyone said', async () => {
    const connection = { host: '127.0.0.1', port: redis.port }
    const outbound = new Queue('outbound', { connection, prefix: h.env.BATON_QUEUE_PREFIX })
    const timers = new Queue('timers', { connection, prefix: h.env.BATON_QUEUE_PREFIX })
    try {
      const sendJobs = await outbound.getJobs(['completed', 'waiting', 'delayed', 'failed', 'active'])
      const timerJobs = await timers.getJobs(['completed', 'waiting', 'delayed', 'failed', 'active'])
      expect(sendJobs.length).toBeGreaterThan(0)
      expect(timerJobs.length).toBeGreaterThan(0)
      // besides the id, a send carries its group's pacing key: a digest, never the group's key
      for (const j of sendJobs) expect(Object.keys(j.data).sort()).toEqual(['pacing', 'sendId'])
      for (const j of timerJobs) expect(Object.keys(j.data).sort()).toEqual(['attempt', 'caseId', 'stateVersion'])
      const everything = JSON.stringify([...sendJobs, ...timerJobs].map((j) => ({ name: j.name, data: j.data, id: j.id })))
      expect(everything).not.toMatch(/DD20261101001|断缓存|赵女士|1390000|cust-zha|partner-anxin/)
    } finally {
      await outbound.close()
      await timers.close()
    }
  })
})
