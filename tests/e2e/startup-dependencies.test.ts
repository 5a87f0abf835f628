import { Queue } from 'bullmq'
import { afterEach, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { loadTenant } from '../../src/config/load-tenant.js'
import { ALL_ROLES, startBaton, type Runtime } from '../../src/main/runtime.js'
import { freePort } from '../support/mock-gateway.js'
import { startHalfOpenListener, startTcpProxy } from '../support/tcp-proxy.js'
import { dropSchema, eventually, TEST_DATABASE_URL, TEST_REDIS_URL, testEnv } from '../support/test-env.js'

interface Line {
  level: number
  msg: string
  dependency?: string
  address?: string
  attempt?: number
}

const PASSWORD = 'pw-never-in-a-log-7f3a'

/** Starts Baton (all roles, sandbox tenant) without awaiting it; its log lines are collected. */
function startWith(overrides: Record<string, string>) {
  const lines: Line[] = []
  const raw: string[] = []
  const log = pino({ level: 'info' }, { write: (l: string) => void (raw.push(l), lines.push(JSON.parse(l) as Line)) })
  const env = testEnv(overrides)
  const t0 = Date.now()
  const tenant = loadTenant('config/sandbox.yaml')
  const started = startBaton({ env, tenant, roles: ALL_ROLES, log })
  // never an unhandled rejection; the test awaits `started` itself when it means to
  started.catch(() => undefined)
  return { env, lines, raw, t0, started, tenant }
}

const url = (port: number, path: string) => `http://127.0.0.1:${port}${path}`
const get = async (port: number, path: string) => {
  const res = await fetch(url(port, path), { signal: AbortSignal.timeout(2000) })
  return { status: res.status, body: (await res.json()) as Record<string, any> }
}

describe('start-up reaches PostgreSQL and Redis visibly, and answers /healthz meanwhile', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined)
  })

  /** Waits for start-up to finish once the dependency answers, then stops it. */
  async function finish(s: ReturnType<typeof startWith>): Promise<Runtime> {
    const runtime = await s.started
    cleanups.push(async () => {
      // BullMQ's connections read Redis' version after connecting; stopped before that answer
      // (likelier through a proxy), BullMQ leaves an unhandled "Connection is closed." behind
      await new Promise((r) => setTimeout(r, 1000))
      await runtime.stop()
      await dropSchema(s.env.DATABASE_SCHEMA)
    })
    return runtime
  }

  it('PostgreSQL that accepts connections and never answers: a line naming it within 10 s, /healthz 200, /readyz 503 naming it; start-up completes once it answers', async () => {
    const pg = new URL(TEST_DATABASE_URL)
    const hung = await startHalfOpenListener({ host: pg.hostname, port: Number(pg.port || 5432) })
    cleanups.push(() => hung.close())
    const port = await freePort()
    const db = new URL(TEST_DATABASE_URL)
    db.port = String(hung.port)
    db.password = PASSWORD // trust auth never asks for it; it must not show anywhere
    const s = startWith({ DATABASE_URL: db.toString(), PORT: String(port) })

    const line = await eventually(() => s.lines.find((l) => l.level >= 40 && l.msg.includes(`PostgreSQL at 127.0.0.1:${hung.port}`)), { timeoutMs: 10_000 })
    expect(Date.now() - s.t0).toBeLessThan(10_000)
    expect(line).toMatchObject({ dependency: 'PostgreSQL', address: `127.0.0.1:${hung.port}`, attempt: 1 })
    expect(hung.accepted()).toBeGreaterThan(0)

    expect((await get(port, '/healthz')).status).toBe(200)
    const ready = await get(port, '/readyz')
    expect(ready.status).toBe(503)
    expect(ready.body['failing']).toEqual(['postgres'])
    expect(ready.body['checks'].postgres.error).toContain(`waiting for PostgreSQL at 127.0.0.1:${hung.port}`)
    const api = await get(port, '/api/v1/cases')
    expect(api.status).toBe(503)
    expect(api.body['error'].code).toBe('dependency_down')

    hung.answer()
    await finish(s)
    await eventually(async () => (await get(port, '/readyz')).status === 200, { timeoutMs: 15_000 })
    // one line per attempt, each naming where, none carrying the password
    const attempts = s.lines.filter((l) => l.dependency === 'PostgreSQL' && l.level >= 40).map((l) => l.attempt)
    expect(new Set(attempts).size).toBe(attempts.length)
    expect(s.raw.filter((l) => l.includes(PASSWORD))).toEqual([])
    expect(JSON.stringify(ready.body)).not.toContain(PASSWORD)
  }, 60_000)

  it('Redis that accepts connections and never answers: a line naming it within 10 s; Baton starts anyway, /readyz 200 degraded naming Redis', async () => {
    const redis = new URL(TEST_REDIS_URL)
    const hung = await startHalfOpenListener({ host: redis.hostname, port: Number(redis.port || 6379) })
    cleanups.push(() => hung.close())
    const port = await freePort()
    const s = startWith({ REDIS_URL: `redis://127.0.0.1:${hung.port}`, PORT: String(port) })

    const line = await eventually(() => s.lines.find((l) => l.level >= 40 && l.msg.includes(`Redis at 127.0.0.1:${hung.port}`)), { timeoutMs: 10_000 })
    expect(Date.now() - s.t0).toBeLessThan(10_000)
    expect(line).toMatchObject({ dependency: 'Redis', address: `127.0.0.1:${hung.port}`, attempt: 1 })
    await finish(s)
    expect((await get(port, '/healthz')).status).toBe(200)
    const ready = await eventually(
      async () => {
        const r = await get(port, '/readyz')
        return r.status === 200 ? r : null
      },
      { timeoutMs: 15_000 },
    )
    expect(ready.body['status']).toBe('degraded')
    expect(ready.body['degraded']).toContain('redis')
    expect(ready.body['failing']).toEqual([])
    expect(ready.body['checks'].redis.error).toContain(`Redis at 127.0.0.1:${hung.port} unreachable`)

    hung.answer()
    await eventually(async () => (await get(port, '/readyz')).body['status'] === 'ready', { timeoutMs: 30_000 })
  }, 60_000)
})

describe('starting with a dependency missing: Baton works degraded and catches up, losing nothing', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined)
  })
  const MARK = (tag: string) => `【${tag}】`

  it('a misconfiguration in the first answer still ends start-up at once (a missing database with BATON_MIGRATE=off)', async () => {
    const db = new URL(TEST_DATABASE_URL)
    db.pathname = '/baton_no_such_database_18'
    const s = startWith({ DATABASE_URL: db.toString(), BATON_MIGRATE: 'off' })
    const err = await s.started.then(
      () => null,
      (e: unknown) => e as Error,
    )
    expect(err?.message).toMatch(/^PostgreSQL at 127\.0\.0\.1:5432 refused: .*baton_no_such_database_18/)
    expect(Date.now() - s.t0).toBeLessThan(10_000)
  }, 30_000)

  it('stopping while PostgreSQL is still awaited ends the wait and stops cleanly', async () => {
    const pgUrl = new URL(TEST_DATABASE_URL)
    const proxy = await startTcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) })
    cleanups.push(() => proxy.close())
    await proxy.cut()
    const db = new URL(TEST_DATABASE_URL)
    db.port = String(proxy.port)
    const s = startWith({ DATABASE_URL: db.toString(), BATON_DEPENDENCY_RETRY_MS: '5000', BATON_DEPENDENCY_RETRY_MAX_MS: '30000' })
    const runtime = await s.started
    runtime.sandbox!.say({ as: '赵女士', group: 'cust-zhao', text: '【停止前】好的' })
    await eventually(() => runtime.intake!.state.spooled === 1, { timeoutMs: 10_000 })
    const t = Date.now()
    await runtime.stop()
    // not held up by the 5-second backoff, and the spooled message is still on disk for the next start
    expect(Date.now() - t).toBeLessThan(4_000)
    expect(runtime.ds.isInitialized).toBe(false)
    expect(runtime.intake!.state.spooled).toBe(1)
  }, 30_000)

  it('Redis unreachable at start: messages are recorded and decided, /readyz is degraded naming Redis; sends and timer jobs catch up when it answers', async () => {
    const target = new URL(TEST_REDIS_URL)
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) })
    cleanups.push(() => proxy.close())
    await proxy.cut() // a closed port: ECONNREFUSED
    const port = await freePort()
    const s = startWith({ REDIS_URL: `redis://127.0.0.1:${proxy.port}`, PORT: String(port), BATON_DEPENDENCY_RETRY_MS: '200', BATON_DEPENDENCY_RETRY_MAX_MS: '500' })
    const runtime = await s.started
    cleanups.push(async () => {
      await runtime.stop()
      await dropSchema(s.env.DATABASE_SCHEMA)
    })
    // started without Redis, and said why
    const refused = s.lines.find((l) => l.level >= 40 && l.msg.includes(`Redis at 127.0.0.1:${proxy.port}`))
    expect(refused?.msg).toContain('ECONNREFUSED')
    expect(s.lines.some((l) => l.msg.startsWith('starting without Redis'))).toBe(true)
    const ready = await get(port, '/readyz')
    expect(ready.status).toBe(200)
    expect(ready.body['status']).toBe('degraded')
    expect(ready.body['degraded']).toContain('redis')

    const tag = MARK('启动无缓存')
    const sandbox = runtime.sandbox!
    sandbox.say({ as: '李师傅', group: 'partner-anxin', text: `${tag}DD20261101001 麻烦客户上传安装位置照片` })
    sandbox.say({ as: '赵女士', group: 'cust-zhao', text: `${tag}你好，请问我的售后进度怎么样了` })
    const decided = await eventually(
      async () => {
        const rows: Array<{ handled: boolean }> = await runtime.ds.query(`SELECT handled_at IS NOT NULL AS handled FROM messages WHERE text LIKE $1`, [`${tag}%`])
        return rows.length === 2 && rows.every((r) => r.handled) ? rows : null
      },
      { timeoutMs: 20_000 },
    )
    expect(decided).toHaveLength(2)
    const waiting: Array<{ id: string }> = await runtime.ds.query(`SELECT id FROM sends WHERE status = 'queued' AND relayed_at IS NULL`)
    expect(waiting.length).toBeGreaterThan(0)
    const timed: Array<{ id: string }> = await runtime.ds.query(`SELECT id FROM cases WHERE next_timer_at IS NOT NULL AND closed_at IS NULL`)
    expect(timed.length).toBeGreaterThan(0)
    const internalSays = () => sandbox.transcript('internal').filter((l) => l.talkerId === (s.tenant.tenant.bot?.id ?? 'wx-baton') && l.text.includes('DD20261101001'))
    expect(internalSays()).toEqual([])

    await proxy.restore()
    // the outbox catches up: every waiting send delivered, once
    await eventually(
      async () => {
        const rows: Array<{ status: string }> = await runtime.ds.query(`SELECT status FROM sends WHERE id = ANY($1::bigint[])`, [waiting.map((w) => w.id)])
        return rows.every((r) => r.status === 'sent')
      },
      { timeoutMs: 30_000 },
    )
    await eventually(() => internalSays().length === 1, { timeoutMs: 5_000 })
    // the timers catch up: each waiting case has its job in BullMQ
    const timers = new Queue('timers', { connection: { host: '127.0.0.1', port: Number(target.port || 6379) }, prefix: s.env.BATON_QUEUE_PREFIX })
    cleanups.push(() => timers.close())
    await eventually(
      async () => {
        const jobs = await timers.getJobs(['delayed', 'waiting', 'active', 'completed'])
        const cases = new Set(jobs.map((j) => (j.data as { caseId: number }).caseId))
        return timed.every((t) => cases.has(Number(t.id)))
      },
      { timeoutMs: 20_000 },
    )
    await eventually(async () => (await get(port, '/readyz')).body['status'] === 'ready', { timeoutMs: 15_000 })
    expect(internalSays()).toHaveLength(1)
    expect(s.lines.some((l) => l.msg.startsWith('Redis reachable again'))).toBe(true)
  }, 90_000)

  it('PostgreSQL unreachable at start: Baton starts, spools inbound messages and says so; the spool drains into PostgreSQL when it answers', async () => {
    const pgUrl = new URL(TEST_DATABASE_URL)
    const proxy = await startTcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) })
    cleanups.push(() => proxy.close())
    await proxy.cut()
    const db = new URL(TEST_DATABASE_URL)
    db.port = String(proxy.port)
    const port = await freePort()
    const s = startWith({
      DATABASE_URL: db.toString(),
      PORT: String(port),
      BATON_DEPENDENCY_RETRY_MS: '200',
      BATON_DEPENDENCY_RETRY_MAX_MS: '500',
      BATON_SPOOL_RETRY_MS: '200',
      BATON_PAYLOAD_ATTEMPTS: '2',
      BATON_PAYLOAD_RETRY_MS: '50',
    })
    const runtime = await s.started
    cleanups.push(async () => {
      await runtime.stop()
      await dropSchema(s.env.DATABASE_SCHEMA)
    })
    expect(runtime.ds.isInitialized).toBe(false)
    expect(s.lines.some((l) => l.level >= 40 && l.msg.startsWith('starting without PostgreSQL'))).toBe(true)

    const tag = MARK('启动无库')
    const sandbox = runtime.sandbox!
    const texts = [`${tag}DD20261101001 麻烦客户上传安装位置照片`, `${tag}你好，请问我的售后进度怎么样了`, `${tag}好的`, `${tag}好的`]
    sandbox.say({ as: '李师傅', group: 'partner-anxin', text: texts[0]! })
    sandbox.say({ as: '赵女士', group: 'cust-zhao', text: texts[1]! })
    sandbox.say({ as: '赵女士', group: 'cust-zhao', text: texts[2]! })
    sandbox.say({ as: '赵女士', group: 'cust-zhao', text: texts[3]! })
    // and an event whose payload never loads: the team is told once PostgreSQL can hold the notice
    sandbox.puppet.emit('message', { messageId: 'never-loads-while-pg-down' })
    await eventually(() => runtime.intake!.state.spooled === 4, { timeoutMs: 10_000 })
    await eventually(() => s.lines.some((l) => l.level >= 50 && l.msg.startsWith('message payload could not be loaded')), { timeoutMs: 5_000 })
    const ready = await get(port, '/readyz')
    expect(ready.status).toBe(503)
    expect(ready.body['failing']).toContain('postgres')
    expect(ready.body['checks'].postgres.error).toContain(`waiting for PostgreSQL at 127.0.0.1:${proxy.port}`)
    expect(ready.body['checks'].spool).toMatchObject({ ok: true, degraded: true, depth: 4 })
    expect(s.lines.some((l) => l.msg.startsWith('PostgreSQL unreachable; inbound messages go to the local spool'))).toBe(true)

    await proxy.restore()
    await eventually(() => runtime.intake!.state.spooled === 0 && runtime.ds.isInitialized, { timeoutMs: 30_000 })
    // every spooled message recorded once (the repeated 好的 twice: they are two messages), and decided
    const rows = await eventually(
      async () => {
        const r: Array<{ text: string; handled: boolean }> = await runtime.ds.query(`SELECT text, handled_at IS NOT NULL AS handled FROM messages WHERE text LIKE $1 ORDER BY id`, [`${tag}%`])
        return r.length === 4 && r.every((x) => x.handled) ? r : null
      },
      { timeoutMs: 20_000 },
    )
    expect(rows.map((r) => r.text)).toEqual(texts)
    // and what they imply is delivered
    const bot = s.tenant.tenant.bot?.id ?? 'wx-baton'
    await eventually(() => sandbox.transcript('internal').some((l) => l.talkerId === bot && l.text.includes('DD20261101001')), { timeoutMs: 20_000 })
    await eventually(() => sandbox.transcript('internal').some((l) => l.talkerId === bot && l.text.includes('never-loads-while-pg-down')), { timeoutMs: 20_000 })
    await eventually(async () => (await get(port, '/readyz')).status === 200, { timeoutMs: 15_000 })
    expect(sandbox.transcript('internal').filter((l) => l.text.includes('never-loads-while-pg-down'))).toHaveLength(1)
  }, 90_000)
})
