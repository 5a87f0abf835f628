import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Queue } from 'bullmq'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { freePort } from '../support/mock-gateway.js'
import { Auditor, type FaultRow } from './support/audit.js'
import { BatonProcess } from './support/baton-process.js'
import { GatewayControl, type DeliveredLine, type SaidMessage } from './support/gateway-control.js'
import { Load } from './support/load.js'
import { startPrivatePostgres, type PrivatePostgres } from './support/private-postgres.js'
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis.js'
import { problemsOf, textTable, writeReport } from './support/report.js'
import { TwoAccountStack, writeTwoAccountTenant } from './support/two-account-stack.js'
import { TIMER_QUEUE } from '../../src/adapters/queue/timer-queue.js'

/**
 * Faults under a steady load (≈5 messages/s across five groups) through a wechaty-puppet-service
 * gateway, with Baton as a real child process on a PostgreSQL and a Redis of the suite's own.
 * After each fault the traffic is audited: every message said stored once, every send (approved
 * drafts, notices, replies, reminders) delivered once, every due timer fired once, evidence intact.
 */
const ARTIFACTS = resolve(process.env['FAULTS_ARTIFACTS_DIR'] ?? 'artifacts/faults')
const RATE = Number(process.env['FAULTS_RATE'] ?? 5)
const WARM_MS = 10_000
const AFTER_MS = 15_000
const SETTLE_MS = 45_000
const OUTAGE_MS = 20_000
const THROTTLE_MS = 40_000

/** The BullMQ state of one timer job in the suite's Redis: what an overdue timer's note reports. */
async function timerJobState(redisUrl: string, jobId: string): Promise<string> {
  const queue = new Queue(TIMER_QUEUE, { connection: { url: redisUrl, maxRetriesPerRequest: 1 }, prefix: 'baton' })
  try {
    const job = await queue.getJob(jobId)
    if (!job) return 'absent from Redis'
    return `${await job.getState()} (attempts made ${job.attemptsMade}, delay ${job.opts.delay ?? 0} ms from ${new Date(job.timestamp).toISOString()}${job.failedReason ? `, failed: ${job.failedReason}` : ''}${job.returnvalue ? `, returned ${JSON.stringify(job.returnvalue)}` : ''})`
  } finally {
    await queue.close()
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const t0 = Date.now()
const log = (line: string) => process.stdout.write(`[faults +${((Date.now() - t0) / 1000).toFixed(0)}s] ${line}\n`)

/** What a scenario loads and audits: the one all-in-one Baton, or the two-account deployment. */
interface Target {
  said: readonly SaidMessage[]
  ledger: readonly DeliveredLine[]
  load: Load
  audit: Auditor
  waitReady(timeoutMs: number): Promise<boolean>
  readyz(): Promise<{ ok: boolean; body: unknown }>
}

/** The sandbox tenant with short waits (reminders within the run), no quiet hours, roomier send limits. */
function writeFaultTenant(dir: string): string {
  const tenant = parse(readFileSync('config/sandbox.yaml', 'utf8')) as Record<string, Record<string, unknown>>
  // a waiting case is reminded every 15 s for two minutes, then escalated: timers come due during every fault
  const wait = { dueIn: '5m', firstReminderAfter: '15s', remindEvery: '15s', remindersBeforeEscalation: 8, escalation: ['owner', 'supervisor'] }
  tenant['policy'] = {
    ...tenant['policy'],
    quietHours: { start: '00:00', end: '00:00' },
    waits: { waiting_customer_material: wait, waiting_contact_coordination: wait, waiting_executor: wait, waiting_partner: wait },
  }
  tenant['outbound'] = { ...tenant['outbound'], perGroupPerMinute: 120, perAccountPerMinute: 300 }
  tenant['paths'] = { lexicon: resolve('config/lexicon.yaml'), knowledge: resolve('config/knowledge'), wording: resolve('config/wording'), understanding: resolve('config/understanding') }
  const file = join(dir, 'fault-tenant.yaml')
  writeFileSync(file, stringify(tenant))
  return file
}

describe('fault injection: nothing lost, nothing doubled', () => {
  let postgres: PrivatePostgres | undefined
  let redis: PrivateRedis | undefined
  let gateway: GatewayControl | undefined
  let baton: BatonProcess | undefined
  let db: pg.Pool | undefined
  let load: Load
  let audit: Auditor
  let workDir = ''
  let tenantFile = ''
  let batonEnv: Record<string, string> = {}
  let two: TwoAccountStack | undefined
  let twoDb: pg.Pool | undefined
  const rows: FaultRow[] = []
  const runTag = `f${Date.now()
    .toString(36)
    .slice(-4)
    .replace(/\d/g, (d) => 'klmnopqrst'[Number(d)]!)}`
  let windowStart = Date.now()

  // the private servers and child processes go with the suite, however it ends
  const emergencyStop = () => {
    baton?.killNow()
    gateway?.killNow()
    two?.killNow()
    redis?.killSync()
    postgres?.destroySync()
    if (workDir) rmSync(workDir, { recursive: true, force: true })
  }
  const onSignal = (signal: NodeJS.Signals) => {
    emergencyStop()
    process.kill(process.pid, signal)
  }
  const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

  beforeAll(async () => {
    process.once('exit', emergencyStop)
    for (const sig of SIGNALS) process.once(sig, onSignal)
    mkdirSync(ARTIFACTS, { recursive: true })
    workDir = mkdtempSync(join(tmpdir(), 'baton-faults-'))
    postgres = await startPrivatePostgres()
    redis = await startPrivateRedis()
    log(`private PostgreSQL on ${postgres.port}, Redis on ${redis.port}`)
    tenantFile = writeFaultTenant(workDir)
    gateway = new GatewayControl(tenantFile, log)
    await gateway.start()
    const port = await freePort()
    batonEnv = {
      NODE_ENV: 'production',
      DATABASE_URL: postgres.url('baton'),
      DATABASE_SCHEMA: 'public',
      REDIS_URL: redis.url,
      BATON_QUEUE_PREFIX: 'baton',
      BATON_CONFIG: tenantFile,
      BATON_MIGRATE: 'auto',
      BATON_DATA_DIR: join(workDir, 'var'),
      PORT: String(port),
      LOG_LEVEL: 'info',
      WECHATY_LOG: 'warn',
      // a send cut off by kill -9 is settled (echo found → sent, else reported) within the audit's wait
      BATON_SEND_IN_DOUBT_AFTER_MS: '20000',
      // a send WeCom never answers is left in doubt after 5 s so the next one can go
      BATON_SEND_ANSWER_TIMEOUT_MS: '5000',
      // started without PostgreSQL or Redis, Baton tries again at most every 5 s (default 30 s),
      // so a start-up scenario sees it catch up within seconds of the dependency's return
      BATON_DEPENDENCY_RETRY_MAX_MS: '5000',
    }
    baton = new BatonProcess({ ...gateway.env, ...batonEnv }, join(ARTIFACTS, 'baton.log'), port)
    writeFileSync(join(ARTIFACTS, 'baton.log'), '')
    baton.start()
    if (!(await baton.waitReady(90_000))) throw new Error(`Baton did not become ready; see ${join(ARTIFACTS, 'baton.log')}`)
    log(`Baton ready on port ${port} (gateway ${gateway.endpoint})`)
    db = new pg.Pool({ connectionString: postgres.url('baton'), max: 3, connectionTimeoutMillis: 1000, query_timeout: 5000 })
    db.on('error', () => undefined)
    load = new Load(gateway, db, runTag)
    const redisUrl = redis.url
    audit = new Auditor(
      db,
      (key) => `r-${key}@chatroom`,
      (jobId) => timerJobState(redisUrl, jobId),
    )
  }, 180_000)

  afterAll(async () => {
    load?.stop()
    if (rows.length > 0) {
      const table = textTable(rows)
      process.stdout.write(`\nFault-injection suite (${RATE} msg/s, ${((Date.now() - t0) / 1000).toFixed(0)} s)\n${table}\n`)
      for (const r of rows) for (const p of [...problemsOf(r), ...r.notes]) process.stdout.write(`  ${r.fault}: ${p}\n`)
      writeReport(ARTIFACTS, rows, { date: new Date().toISOString(), rate: `${RATE} msg/s`, durationSeconds: Math.round((Date.now() - t0) / 1000), batonStarts: baton?.starts ?? 0 })
      process.stdout.write(`report: ${join(ARTIFACTS, 'report.md')}\n`)
    }
    await db?.end().catch(() => undefined)
    await twoDb?.end().catch(() => undefined)
    await two?.stop()
    await baton?.stop(10_000)
    await gateway?.stop()
    await redis?.kill()
    await postgres?.destroy()
    if (workDir) rmSync(workDir, { recursive: true, force: true })
    process.off('exit', emergencyStop)
    for (const sig of SIGNALS) process.off(sig, onSignal)
  }, 120_000)

  /** Load before, during and after `fault`; then wait for the dust to settle and audit the window. */
  const single = (): Target => ({
    said: gateway!.said,
    ledger: gateway!.ledger,
    load,
    audit,
    waitReady: (ms) => baton!.waitReady(ms),
    readyz: () => baton!.readyz(),
  })

  async function scenario(name: string, fault: () => Promise<string[] | void>, opts: { inDoubtAllowed?: number; target?: Target } = {}): Promise<FaultRow> {
    const notes: string[] = []
    const target = opts.target ?? single()
    const { load, audit } = target
    if (!(await target.waitReady(20_000))) {
      if (opts.target) notes.push('not ready at the start')
      else {
        await baton!.stop(5000)
        baton!.start()
        notes.push(`Baton was not ready at the start: restarted it (ready: ${await baton!.waitReady(60_000)})`)
      }
    }
    const from = target.said.length
    windowStart = Date.now()
    log(`${name}: load on`)
    load.start(RATE)
    await sleep(WARM_MS)
    notes.push(...((await fault()) ?? []))
    await sleep(AFTER_MS)
    load.stop()
    const said = target.said.slice(from)
    log(`${name}: load off after ${said.length} messages; settling`)
    const deadline = Date.now() + SETTLE_MS
    let settled = false
    while (Date.now() < deadline) {
      settled = await audit.settled(said).catch(() => false)
      if (settled) break
      await sleep(1000)
    }
    const recovered = (await target.readyz()).ok
    if (!settled) notes.push(`not settled ${SETTLE_MS / 1000} s after the load stopped`)
    if (!recovered) notes.push(`/readyz: ${JSON.stringify((await target.readyz()).body)}`)
    const row = await audit.row(name, { from: windowStart, to: Date.now() }, said, target.ledger)
    row.recovered = recovered
    row.inDoubtAllowed = opts.inDoubtAllowed ?? 0
    row.notes.unshift(...notes)
    rows.push(row)
    log(`${name}: ${problemsOf(row).join('; ') || 'pass'}`)
    return row
  }

  async function untilSending(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const rows = await db!.query(`SELECT 1 FROM sends WHERE status = 'sending' LIMIT 1`).catch(() => ({ rows: [] }))
      if (rows.rows.length > 0) return true
      await sleep(20)
    }
    return false
  }

  const expectClean = (r: FaultRow) => expect({ fault: r.fault, problems: problemsOf(r) }).toEqual({ fault: r.fault, problems: [] })

  it('baseline: no fault', async () => {
    expectClean(await scenario('none (baseline)', async () => void (await sleep(10_000))))
  }, 240_000)

  it('PostgreSQL stopped for 20 s', async () => {
    expectClean(
      await scenario('PostgreSQL down 20 s', async () => {
        await postgres!.stop()
        await sleep(OUTAGE_MS)
        await postgres!.start()
      }),
    )
  }, 240_000)

  it('Redis stopped for 20 s (restarted empty)', async () => {
    expectClean(
      await scenario('Redis down 20 s', async () => {
        await redis!.kill()
        await sleep(OUTAGE_MS)
        await redis!.start()
      }),
    )
  }, 240_000)

  it('gateway killed and brought back, replaying earlier events', async () => {
    expectClean(
      await scenario('gateway kill -9 + replay', async () => {
        await gateway!.kill()
        await sleep(10_000)
        await gateway!.start()
        return [`Baton ready again within 45 s of the gateway's return: ${await baton!.waitReady(45_000)}`]
      }),
    )
  }, 240_000)

  it('Baton killed with SIGKILL mid-traffic and restarted', async () => {
    expectClean(
      await scenario(
        'Baton kill -9 + restart',
        async () => {
          // aim for the worst moment: a send claimed and on its way to WeCom (give up after 10 s)
          const aimed = await untilSending(10_000)
          await baton!.kill9()
          await sleep(5000)
          baton!.start()
          const ready = await baton!.waitReady(60_000)
          return [`killed ${aimed ? 'while a send was being delivered' : 'with no send in flight'}`, ...(ready ? [] : ['restarted Baton did not become ready within 60 s'])]
        },
        { inDoubtAllowed: 1 },
      ), // one send is on its way at a time: if WeCom never saw it, it is reported, not resent
    )
  }, 300_000)

  it('WeCom never answers one send: the rest still go, that one is reported as in doubt, never resent', async () => {
    const row = await scenario(
      'a send never answered',
      async () => {
        gateway!.swallowNextSend()
        await sleep(10_000)
      },
      { inDoubtAllowed: 1 },
    )
    expectClean(row)
    expect(row.sendsInDoubtReported).toBe(1)
  }, 300_000)

  it('puppet refuses sends with a throttle error (20001 操作过于频繁) for 40 s', async () => {
    expectClean(
      await scenario('send throttling 40 s', async () => {
        gateway!.failSends(THROTTLE_MS)
        await sleep(THROTTLE_MS)
        return [`${gateway!.refusedSends.length} send attempt(s) refused so far`]
      }),
    )
  }, 300_000)
  /** Polls /readyz until `pred` holds for its answer; returns the last answer. */
  async function readyzUntil(pred: (r: { ok: boolean; body: unknown }) => boolean, timeoutMs: number): Promise<{ met: boolean; body: unknown }> {
    const deadline = Date.now() + timeoutMs
    let r = await baton!.readyz()
    while (!pred(r) && Date.now() < deadline) {
      await sleep(250)
      r = await baton!.readyz()
    }
    return { met: pred(r), body: r.body }
  }
  const statusOf = (body: unknown) => (typeof body === 'object' && body !== null ? (body as { status?: string }).status : undefined)

  it('Baton started while Redis is down: it records and decides, degraded, and catches up when Redis returns', async () => {
    expectClean(
      await scenario('Redis down at start', async () => {
        await baton!.stop(10_000)
        await redis!.kill()
        baton!.start()
        const degraded = await readyzUntil((r) => statusOf(r.body) === 'degraded', 60_000)
        await sleep(OUTAGE_MS)
        await redis!.start()
        return [
          `started without Redis: /readyz ${degraded.met ? 'degraded' : `never degraded (${JSON.stringify(degraded.body)})`}`,
          `ready again within 45 s of Redis' return: ${await baton!.waitReady(45_000)}`,
        ]
      }),
    )
  }, 300_000)

  it('Baton started while PostgreSQL is down: it spools, says so, and drains the spool when PostgreSQL returns', async () => {
    expectClean(
      await scenario('PostgreSQL down at start', async () => {
        await baton!.stop(10_000)
        await postgres!.stop()
        baton!.start()
        const spooling = await readyzUntil((r) => JSON.stringify(r.body).includes('"spool"'), 60_000)
        await sleep(OUTAGE_MS)
        await postgres!.start()
        return [
          `started without PostgreSQL: /readyz ${spooling.met ? 'names postgres and the spool' : `did not answer (${JSON.stringify(spooling.body)})`}`,
          `ready again within 45 s of PostgreSQL's return: ${await baton!.waitReady(45_000)}`,
        ]
      }),
    )
  }, 300_000)

  it('a message event whose payload never loads: retried, counted, reported to the team once; the traffic around it untouched', async () => {
    const id = `fm-${runTag}-unloadable`
    const reports = () => gateway!.ledger.filter((l) => l.conversationId === 'r-internal@chatroom' && l.text.includes(id))
    const row = await scenario('a payload never loads', async () => {
      const at = Date.now()
      gateway!.emitUnloadable(id)
      // six attempts with backoff (1, 2, 4, 8, 16 s) before Baton gives up and tells the team
      while (reports().length === 0 && Date.now() - at < 75_000) await sleep(500)
      return [reports().length > 0 ? `reported to the internal group ${((Date.now() - at) / 1000).toFixed(0)} s after the event` : 'never reported']
    })
    const metrics = await fetch(`http://127.0.0.1:${baton!.port}/metrics`).then((r) => r.text())
    const unloaded = /^baton_inbound_unloaded_total (\d+)/m.exec(metrics)?.[1]
    row.notes.push(`baton_inbound_unloaded_total ${unloaded ?? 'missing'}, reports of it ${reports().length}`)
    expectClean(row)
    expect(reports()).toHaveLength(1)
    expect(Number(unloaded)).toBeGreaterThanOrEqual(1)
  }, 300_000)

  it('two accounts (two gateways, two bots, two workers, one api): one worker killed with SIGKILL mid-run', async () => {
    // the all-in-one Baton makes way for the split deployment on a database of its own
    await baton!.stop(10_000)
    const admin = new pg.Client({ connectionString: postgres!.url('postgres') })
    await admin.connect()
    await admin.query('CREATE DATABASE baton_two')
    await admin.end()
    twoDb = new pg.Pool({ connectionString: postgres!.url('baton_two'), max: 3, connectionTimeoutMillis: 1000, query_timeout: 5000 })
    twoDb.on('error', () => undefined)
    two = new TwoAccountStack(
      writeTwoAccountTenant(tenantFile, workDir),
      { ...batonEnv, DATABASE_URL: postgres!.url('baton_two'), BATON_QUEUE_PREFIX: 'baton2', BATON_DATA_DIR: join(workDir, 'var-two') },
      ARTIFACTS,
      log,
    )
    const up = await two.start(90_000)
    if (!up) throw new Error(`the two-account deployment did not become ready: ${JSON.stringify((await two.readyz()).body)}`)
    log('two-account deployment ready')
    const stack = two
    const target: Target = {
      said: stack.said,
      get ledger() {
        return stack.ledger
      },
      load: new Load(stack, twoDb, `${runTag}w`),
      audit: new Auditor(twoDb, (key) => `r-${key}@chatroom`),
      waitReady: (ms) => stack.waitReady(ms),
      readyz: () => stack.readyz(),
    }
    const row = await scenario(
      'two accounts, worker kill -9',
      async () => {
        await stack.workers[0]!.kill9()
        return [`worker 1 killed with SIGKILL; worker 2 running: ${stack.workers[1]!.running}`]
      },
      { target },
    )
    expectClean(row)
    expect(stack.workers[0]!.running).toBe(false)
  }, 300_000)
})
