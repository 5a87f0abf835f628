import { Queue } from 'bullmq'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTenant } from '../../src/config/load-tenant.js'
import { botSaid, sendsSettled } from '../support/groups.js'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js'
import { eventually, TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/test-env.js'

describe('PostgreSQL outage: inbound messages wait in the local spool and are replayed in order', () => {
  let proxy: TcpProxy
  let h: SandboxHarness
  let base = ''
  const readyz = async (): Promise<{ status: number; body: { status: string; failing: string[]; checks: Record<string, Record<string, unknown>> } }> => {
    const res = await fetch(`${base}/readyz`)
    return { status: res.status, body: (await res.json()) as never }
  }
  const stored = async (prefix: string): Promise<Array<{ text: string; handled: boolean }>> =>
    h.runtime.ds.query(`SELECT text, handled_at IS NOT NULL AS handled FROM messages WHERE text LIKE $1 ORDER BY id`, [`${prefix}%`])

  beforeAll(async () => {
    const db = new URL(TEST_DATABASE_URL)
    proxy = await startTcpProxy({ host: db.hostname, port: Number(db.port || 5432) })
    db.port = String(proxy.port)
    const tenant = loadTenant('config/sandbox.yaml')
    // few attempts, fast backoff: an outage that used them up would fail the send for good
    tenant.outbound = { ...tenant.outbound, attempts: 2, backoffMs: 20 }
    h = await startSandbox({ roles: ['bot', 'api'], tenant, env: { DATABASE_URL: db.toString(), BATON_SPOOL_RETRY_MS: '200' } })
    const addr = h.runtime.server!.address()
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
  }, 60_000)

  afterAll(async () => {
    await proxy?.restore().catch(() => undefined)
    await h?.close()
    await proxy?.close()
  })

  it('keeps every message said during the outage, says so on /readyz, and stores each once when the database returns', async () => {
    const sandbox = h.runtime.sandbox!
    sandbox.say({ as: '赵女士', group: 'cust-zhao', text: '【断库】之前 1' })
    await eventually(async () => (await stored('【断库】')).length === 1)
    // what Baton says about it (a notice to the team) reaches the transcript before the cut: its
    // echo arriving during the outage would be spooled too, a seventh message
    await eventually(async () => (await stored('【断库】'))[0]!.handled)
    await sendsSettled(h)
    await eventually(async () => {
      const [r] = await h.runtime.ds.query(
        `SELECT (SELECT count(*) FROM sends WHERE status = 'sent' AND group_key IS NOT NULL)::int AS sent, (SELECT count(*) FROM messages WHERE direction = 'outbound')::int AS echoed`,
      )
      return r.echoed >= r.sent
    })

    await proxy.cut()
    for (let i = 1; i <= 5; i++) sandbox.say({ as: '赵女士', group: 'cust-zhao', text: `【断库】期间 ${i}` })
    sandbox.say({ as: '李师傅', group: 'partner-anxin', text: '【断库】期间 6 DD20261101001 请客户补充照片' })
    await eventually(() => h.runtime.intake!.state.spooled === 6, { timeoutMs: 20_000 })

    const during = await readyz()
    expect(during.status).toBe(503)
    expect(during.body.failing).toContain('postgres')
    expect(during.body.checks['spool']).toMatchObject({ ok: true, degraded: true, depth: 6 })
    // monitoring still answers during the outage, with the spool depth
    const metrics = await fetch(`${base}/metrics`)
    expect(metrics.status).toBe(200)
    expect(await metrics.text()).toMatch(/^baton_inbound_spool_depth 6$/m)

    // a message that arrives while the spool is draining queues behind it (order kept)
    await proxy.restore()
    sandbox.say({ as: '赵女士', group: 'cust-zhao', text: '【断库】之后 7' })
    await eventually(async () => (await stored('【断库】')).length === 8 && h.runtime.intake!.state.spooled === 0, { timeoutMs: 30_000 })
    await eventually(async () => (await stored('【断库】')).every((r) => r.handled), { timeoutMs: 20_000 })

    const rows = await stored('【断库】')
    expect(rows.map((r) => r.text)).toEqual(['【断库】之前 1', ...[1, 2, 3, 4, 5].map((i) => `【断库】期间 ${i}`), '【断库】期间 6 DD20261101001 请客户补充照片', '【断库】之后 7'])
    const after = await eventually(
      async () => {
        const r = await readyz()
        return r.status === 200 ? r : null
      },
      { timeoutMs: 20_000 },
    )
    expect(after.body.status).toBe('ready')
    expect(after.body.checks['spool']).toMatchObject({ degraded: false, depth: 0 })
  }, 90_000)

  it('replaying the same spooled messages again records and decides nothing twice', async () => {
    const [row] = (await h.runtime.ds.query(`SELECT * FROM messages WHERE text = '【断库】期间 6 DD20261101001 请客户补充照片'`)) as Array<Record<string, unknown>>
    const wecomId = String(row!['wecom_id'])
    const decided = async (): Promise<number> =>
      ((await h.runtime.ds.query(`SELECT count(*)::int AS n FROM case_events WHERE kind = 'message' AND payload->>'wecomId' = $1`, [wecomId])) as Array<{ n: number }>)[0]!.n
    const before = await decided()
    expect(before).toBe(1)
    // the same event once more (a replay after reconnect): same id, already stored and decided
    await h.runtime.intake!.handle({
      wecomId,
      roomId: 'r-partner-anxin@chatroom',
      talkerId: 'wx-partner-li',
      talkerName: '李师傅',
      self: false,
      type: 'text',
      text: String(row!['text']),
      mentionIds: [],
      attachment: null,
      saidAt: row!['said_at'] as Date,
      receivedAt: new Date(),
    })
    expect((await h.runtime.ds.query(`SELECT count(*)::int AS n FROM messages WHERE wecom_id = $1`, [wecomId]))[0].n).toBe(1)
    expect(await decided()).toBe(before)
  })

  const outboundQueue = (): Queue => {
    const r = new URL(TEST_REDIS_URL)
    return new Queue('outbound', { connection: { host: r.hostname, port: Number(r.port || 6379) }, prefix: h.env.BATON_QUEUE_PREFIX })
  }
  const newSend = async (text: string): Promise<number> => {
    const [row] = await h.runtime.ds.query(`INSERT INTO sends (kind, group_key, text, created_at, relayed_at) VALUES ('reply', 'cust-zhang', $1, now(), now()) RETURNING id`, [text])
    return Number(row.id)
  }

  it('a send job that runs while PostgreSQL is away waits without using its attempts, then goes out once', async () => {
    const id = await newSend('【断库】发送等待')
    const queue = outboundQueue()
    try {
      await proxy.cut()
      await queue.add('send', { sendId: id }, { jobId: `send-${id}`, attempts: 2, backoff: { type: 'fixed', delay: 20 } })
      await new Promise((r) => setTimeout(r, 1500))
      const job = await queue.getJob(`send-${id}`)
      expect(await job!.isFailed()).toBe(false)
      expect(job!.attemptsMade).toBe(0)
      await proxy.restore()
      await eventually(async () => (await h.runtime.ds.query(`SELECT status FROM sends WHERE id = $1`, [id]))[0].status === 'sent', { timeoutMs: 30_000 })
      await new Promise((r) => setTimeout(r, 200))
      expect(botSaid(h, 'cust-zhang').filter((t) => t === '【断库】发送等待')).toHaveLength(1)
    } finally {
      await proxy.restore().catch(() => undefined)
      await queue.close()
    }
  }, 60_000)

  it('a still-queued send whose job already ended is relayed again by the rearm, and sent once', async () => {
    const id = await newSend('【重排】任务已结束的发送')
    await h.runtime.ds.query(`UPDATE sends SET relayed_at = now() - interval '5 minutes' WHERE id = $1`, [id])
    const queue = outboundQueue()
    try {
      // a job under the send's id that ends failed (a payload the worker refuses outright)
      await queue.add('send', { sendId: id, junk: true } as never, { jobId: `send-${id}` })
      await eventually(async () => (await queue.getJob(`send-${id}`))?.isFailed())
      expect(await h.runtime.relay!.rearm(60_000)).toBe(1)
      await eventually(async () => (await h.runtime.ds.query(`SELECT status FROM sends WHERE id = $1`, [id]))[0].status === 'sent', { timeoutMs: 20_000 })
      await new Promise((r) => setTimeout(r, 200))
      expect(botSaid(h, 'cust-zhang').filter((t) => t === '【重排】任务已结束的发送')).toHaveLength(1)
    } finally {
      await queue.close()
    }
  }, 60_000)
})
