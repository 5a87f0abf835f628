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
  const started = startBaton({ env, tenant: loadTenant('config/sandbox.yaml'), roles: ALL_ROLES, log })
  // never an unhandled rejection; the test awaits `started` itself when it means to
  started.catch(() => undefined)
  return { env, lines, raw, t0, started }
}

const url = (port: number, path: string) => `http://127.0.0.1:${port}${path}`
const get = async (port: number, path: string) => {
  const res = await fetch(url(port, path), { signal: AbortSignal.timeout(2000) })
  return { status: res.status, body: (await res.json()) as Record<string, any> }
}

describe('start-up waits for PostgreSQL and Redis visibly, and answers /healthz meanwhile', () => {
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

  it('Redis that accepts connections and never answers: a line naming it within 10 s, /healthz 200 meanwhile; start-up completes once it answers', async () => {
    const redis = new URL(TEST_REDIS_URL)
    const hung = await startHalfOpenListener({ host: redis.hostname, port: Number(redis.port || 6379) })
    cleanups.push(() => hung.close())
    const port = await freePort()
    const s = startWith({ REDIS_URL: `redis://127.0.0.1:${hung.port}`, PORT: String(port) })

    const line = await eventually(() => s.lines.find((l) => l.level >= 40 && l.msg.includes(`Redis at 127.0.0.1:${hung.port}`)), { timeoutMs: 10_000 })
    expect(Date.now() - s.t0).toBeLessThan(10_000)
    expect(line).toMatchObject({ dependency: 'Redis', address: `127.0.0.1:${hung.port}`, attempt: 1 })

    expect((await get(port, '/healthz')).status).toBe(200)
    const ready = await get(port, '/readyz')
    expect(ready.status).toBe(503)
    expect(ready.body['failing']).toEqual(['redis'])

    hung.answer()
    await finish(s)
    await eventually(async () => (await get(port, '/readyz')).status === 200, { timeoutMs: 15_000 })
  }, 60_000)

  it('a closed Redis port is reported naming Redis and why, not "Connection is closed."', async () => {
    const redis = new URL(TEST_REDIS_URL)
    const proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) })
    cleanups.push(() => proxy.close())
    await proxy.cut()
    const s = startWith({ REDIS_URL: `redis://127.0.0.1:${proxy.port}`, PORT: '0' })

    const line = await eventually(() => s.lines.find((l) => l.level >= 40 && l.msg.includes(`Redis at 127.0.0.1:${proxy.port}`)), { timeoutMs: 10_000 })
    expect(line.msg).toContain('ECONNREFUSED')

    await proxy.restore()
    const runtime = await finish(s)
    expect(runtime.server).toBeDefined()
  }, 60_000)
})
