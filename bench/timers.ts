import { resolve } from 'node:path'
import { Queue } from 'bullmq'
import { destination, pino } from 'pino'
import type { DataSource } from 'typeorm'
import { loadEnv } from '../src/config/env.js'
import type { Tenant } from '../src/config/load-tenant.js'
import { startBaton, type Runtime } from '../src/main/runtime.js'
import { redisConnection } from '../src/adapters/queue/outbound-queue.js'
import { TIMER_QUEUE } from '../src/adapters/queue/timer-queue.js'
import { timerJobId } from '../src/domain/timer-plan.js'
import { BENCH_DATABASE_URL, freshSchema } from './db.js'
import type { PrivateRedis } from './stack.js'
import { percentile, sleep, until } from './stats.js'
import type { BenchWorld } from './tenant.js'

export interface TimerResult {
  cases: number
  due: number
  scheduleMs: number
  redisBytesPerTimer: number
  moveMs: number
  lateness: { p50: number; p90: number; p99: number; max: number }
  fired: number
  remindersTwice: number
  recovery: { pending: number; ms: number; inRedis: number; missing: number; extra: number }
  problems: string[]
}

/** how long before the rush its first timer falls due (see below) */
const LEAD_MS = 10_000

async function usedMemory(redis: PrivateRedis): Promise<number> {
  const info = await redis.client.info('memory')
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0)
}

/**
 * Timers and recovery on Baton's worker role (in this process, on the private Redis):
 * 100,000 waiting cases get their timers scheduled; 10,000 are then moved to fall due within
 * one second; every firing's lateness is what fireTimer records in the evidence trail. Then
 * FLUSHALL and one reconcile pass must put every pending timer back.
 */
export async function timersAndRecovery(redis: PrivateRedis, tenant: Tenant, world: BenchWorld, size: { cases: number; due: number }): Promise<TimerResult> {
  const schema = 'bench_timers'
  const problems: string[] = []
  const ds = await freshSchema(schema, tenant)
  // in braces as Baton uses it (one Redis Cluster hash tag; see BATON_QUEUE_PREFIX)
  const prefix = '{bt}'
  await redis.client.flushall()
  // waiting on the partner: the reminder goes to the partner's coordination group
  await ds.query(
    `INSERT INTO cases (customer_key, service_type, contact_id, executor_id, partner_key, order_no, state, waiting_party,
        due_at, state_entered_at, created_at, updated_at)
     SELECT ck[1 + g % cardinality(ck)], 'after_sales', ct[1 + g % cardinality(ct)], ct[1 + g % cardinality(ct)], pk[1 + g % cardinality(pk)],
            'TM' || lpad(g::text, 10, '0'), 'waiting_partner', 'partner', now() + interval '8 hours', now(), now(), now()
       FROM generate_series(1, $4::int) AS g, (SELECT $1::text[] AS ck, $2::text[] AS pk, $3::text[] AS ct) a`,
    [world.customers.map((c) => c.key), world.customers.map((c) => c.partner), world.customers.map((c) => c.contact), size.cases],
  )
  await ds.query(`ANALYZE cases`)
  const env = loadEnv({
    NODE_ENV: 'production',
    DATABASE_URL: BENCH_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    REDIS_URL: redis.url,
    BATON_QUEUE_PREFIX: prefix,
    BATON_MIGRATE: 'off',
    WECHATY_PUPPET: 'wechaty-puppet-service',
    PORT: '0',
  })
  // kept for reading after a run, like the Baton processes' logs
  const log = pino({ level: process.env['BENCH_LOG_LEVEL'] ?? 'info' }, destination({ dest: resolve(import.meta.dirname, '.work/baton-timers.log'), append: false, sync: false, minLength: 4096 }))
  let runtime: Runtime | undefined
  const queue = new Queue(TIMER_QUEUE, { connection: redisConnection(redis.url), prefix })
  try {
    runtime = await startBaton({ env, tenant, roles: ['worker'], log })
    const timers = runtime.timers!
    await timers.reconcileNow('full')
    const before = await usedMemory(redis)

    // schedule: every case gets its first reminder (hours away), as a state change would
    await ds.query(`UPDATE cases SET next_timer_at = now() + interval '4 hours' + (id % 3600) * interval '1 second'`)
    let t0 = Date.now()
    await timers.reconcileNow('changed')
    const scheduleMs = Date.now() - t0
    const counts = await queue.getJobCounts('delayed', 'waiting')
    if ((counts['delayed'] ?? 0) + (counts['waiting'] ?? 0) !== size.cases) problems.push(`scheduled ${JSON.stringify(counts)} jobs for ${size.cases} timers`)
    const redisBytesPerTimer = ((await usedMemory(redis)) - before) / size.cases

    // a morning rush: `due` of them fall due within one second, starting LEAD_MS from now. The
    // lead must outlast the rescheduling below (0.83–0.97 s for 10,000 on this machine since the
    // reconciler removes jobs together, 2.2–2.7 s before), or the lateness measures the
    // benchmark's own setup: with 3 s it did on a slow afternoon.
    const dueCases = ((await ds.query(`SELECT id FROM cases ORDER BY md5(id::text) LIMIT $1`, [size.due])) as Array<{ id: string }>).map((r) => Number(r.id))
    await ds.query(
      // as a state change does: a new state entry (new timer job id) with its first timer
      `UPDATE cases SET state_version = state_version + 1, state_entered_at = now(), updated_at = now(),
              next_timer_at = now() + $2::int * interval '1 millisecond' + (abs(hashtext(id::text)) % 1000) * interval '1 millisecond'
        WHERE id = ANY($1::bigint[])`,
      [dueCases, LEAD_MS],
    )
    t0 = Date.now()
    await timers.reconcileNow('changed')
    const moveMs = Date.now() - t0
    if (moveMs > LEAD_MS - 500) problems.push(`moving ${size.due} timers took ${moveMs} ms, longer than the ${LEAD_MS / 1000} s lead: lateness includes it`)
    await until(
      async () => {
        const [r] = (await ds.query(`SELECT count(*)::int AS n FROM case_events WHERE kind = 'timer_fired'`)) as Array<{ n: number }>
        return r!.n >= size.due
      },
      180_000,
      200,
      `${size.due} timers fired`,
    ).catch((err: Error) => problems.push(err.message))
    await sleep(2000)
    const late = ((await ds.query(`SELECT (payload->>'lateMs')::int AS ms FROM case_events WHERE kind = 'timer_fired'`)) as Array<{ ms: number }>).map((r) => r.ms)
    const [dup] = (await ds.query(
      `SELECT count(*)::int AS fired_cases, coalesce(sum(n - 1), 0)::int AS twice, (SELECT count(*)::int FROM sends WHERE kind = 'reminder') AS reminders,
              count(*) FILTER (WHERE NOT (case_id = ANY($1::bigint[])))::int AS wrong
         FROM (SELECT case_id, count(*) AS n FROM case_events WHERE kind = 'timer_fired' GROUP BY case_id) x`,
      [dueCases],
    )) as Array<{ fired_cases: number; twice: number; reminders: number; wrong: number }>
    if (dup!.fired_cases !== size.due) problems.push(`${dup!.fired_cases} cases fired, expected ${size.due}`)
    if (dup!.reminders !== size.due) problems.push(`${dup!.reminders} reminders queued, expected ${size.due}`)
    if (dup!.wrong > 0) problems.push(`${dup!.wrong} timers fired that were not due`)

    // recovery: Redis loses everything; one reconcile pass rebuilds it from PostgreSQL
    await timers.reconcileNow('changed')
    const wanted = (await ds.query(`SELECT id, state_version, reminder_count FROM cases WHERE next_timer_at IS NOT NULL AND closed_at IS NULL`)) as Array<{
      id: string
      state_version: number
      reminder_count: number
    }>
    await redis.client.flushall()
    t0 = Date.now()
    await timers.reconcileNow('full')
    const recoveryMs = Date.now() - t0
    const after = await queue.getJobCounts('delayed', 'waiting', 'active', 'completed', 'failed')
    const inRedis = (after['delayed'] ?? 0) + (after['waiting'] ?? 0) + (after['active'] ?? 0)
    const pipeline = redis.client.pipeline()
    for (const w of wanted) pipeline.exists(`${prefix}:${TIMER_QUEUE}:${timerJobId(Number(w.id), w.state_version, w.reminder_count)}`)
    const exists = (await pipeline.exec()) ?? []
    const missing = exists.filter(([, v]) => v !== 1).length
    if (missing > 0) problems.push(`${missing} timers missing after recovery`)
    if (inRedis !== wanted.length) problems.push(`${inRedis} timer jobs in Redis for ${wanted.length} pending timers`)
    return {
      cases: size.cases,
      due: size.due,
      scheduleMs,
      redisBytesPerTimer,
      moveMs,
      lateness: { p50: percentile(late, 50), p90: percentile(late, 90), p99: percentile(late, 99), max: percentile(late, 100) },
      fired: late.length,
      remindersTwice: dup!.twice,
      recovery: { pending: wanted.length, ms: recoveryMs, inRedis, missing, extra: Math.max(0, inRedis - wanted.length) },
      problems,
    }
  } finally {
    await runtime?.stop()
    log.flush()
    await queue.close()
    await ds.destroy()
  }
}

export type { DataSource }
