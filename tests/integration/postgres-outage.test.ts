import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox, type SandboxHarness } from '../support/sandbox-runtime.js'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js'
import { eventually, TEST_DATABASE_URL } from '../support/test-env.js'

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
    h = await startSandbox({ roles: ['bot', 'api'], env: { DATABASE_URL: db.toString(), BATON_SPOOL_RETRY_MS: '200' } })
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

    await proxy.cut()
    for (let i = 1; i <= 5; i++) sandbox.say({ as: '赵女士', group: 'cust-zhao', text: `【断库】期间 ${i}` })
    sandbox.say({ as: '李师傅', group: 'partner-anxin', text: '【断库】期间 6 DD20261101001 请客户补充照片' })
    await eventually(() => h.runtime.intake!.state.spooled === 6, { timeoutMs: 20_000 })

    const during = await readyz()
    expect(during.status).toBe(503)
    expect(during.body.failing).toContain('postgres')
    expect(during.body.checks['spool']).toMatchObject({ ok: true, degraded: true, depth: 6 })

    // a message that arrives while the spool is draining queues behind it (order kept)
    await proxy.restore()
    sandbox.say({ as: '赵女士', group: 'cust-zhao', text: '【断库】之后 7' })
    await eventually(async () => (await stored('【断库】')).length === 8 && h.runtime.intake!.state.spooled === 0, { timeoutMs: 30_000 })
    await eventually(async () => (await stored('【断库】')).every((r) => r.handled), { timeoutMs: 20_000 })

    const rows = await stored('【断库】')
    expect(rows.map((r) => r.text)).toEqual([
      '【断库】之前 1',
      ...[1, 2, 3, 4, 5].map((i) => `【断库】期间 ${i}`),
      '【断库】期间 6 DD20261101001 请客户补充照片',
      '【断库】之后 7',
    ])
    const after = await eventually(async () => {
      const r = await readyz()
      return r.status === 200 ? r : null
    }, { timeoutMs: 20_000 })
    expect(after.body.status).toBe('ready')
    expect(after.body.checks['spool']).toMatchObject({ degraded: false, depth: 0 })
  }, 90_000)

  it('replaying the same spooled messages again records and decides nothing twice', async () => {
    const before: Array<{ n: number }> = await h.runtime.ds.query(`SELECT count(*)::int AS n FROM messages`)
    const cases: Array<{ n: number }> = await h.runtime.ds.query(`SELECT count(*)::int AS n FROM case_events`)
    const sandbox = h.runtime.sandbox!
    // the same events once more (a replay after reconnect): same ids, already stored
    const [row] = (await h.runtime.ds.query(`SELECT * FROM messages WHERE text = '【断库】期间 6 DD20261101001 请客户补充照片'`)) as Array<Record<string, unknown>>
    await h.runtime.intake!.handle({ wecomId: String(row!['wecom_id']), roomId: 'r-partner-anxin@chatroom', talkerId: 'wx-partner-li', talkerName: '李师傅', self: false, type: 'text', text: String(row!['text']), mentionIds: [], attachment: null, saidAt: row!['said_at'] as Date, receivedAt: new Date() })
    expect(sandbox).toBeDefined()
    expect((await h.runtime.ds.query(`SELECT count(*)::int AS n FROM messages`))[0].n).toBe(before[0]!.n)
    expect((await h.runtime.ds.query(`SELECT count(*)::int AS n FROM case_events`))[0].n).toBe(cases[0]!.n)
  })
})
