import type { Queue, Worker } from 'bullmq'
import { Redis } from 'ioredis'
import type { DataSource } from 'typeorm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDataSource, ensureDatabase, runMigrations } from '../../src/adapters/db/data-source.js'
import { loadChain } from '../../src/adapters/db/evidence-store.js'
import { SqlStore } from '../../src/adapters/db/sql-store.js'
import { syncDirectory } from '../../src/adapters/db/sync-directory.js'
import { SqlTimerBatchStore } from '../../src/adapters/db/timer-batch-store.js'
import { redisConnection } from '../../src/adapters/queue/outbound-queue.js'
import { createTimerQueue } from '../../src/adapters/queue/timer-queue.js'
import { TimerReconciler } from '../../src/adapters/queue/timer-reconciler.js'
import type { CaseRecord } from '../../src/app/case-record.js'
import { Directory } from '../../src/app/directory.js'
import type { TimerJob } from '../../src/app/fire-timer.js'
import type { TimerBatchStore } from '../../src/app/fire-timers.js'
import { loadTenant } from '../../src/config/load-tenant.js'
import { verifyChain } from '../../src/domain/evidence-hash.js'
import { buildServices } from '../../src/main/build-services.js'
import { startTimerFiring } from '../../src/main/timer-firing.js'
import { dropSchema, eventually, testLogger, TEST_DATABASE_URL, TEST_REDIS_URL, uniqueName } from '../support/test-env.js'

/**
 * The one timer path, on real PostgreSQL and Redis: the reconciler puts each pending timer of
 * PostgreSQL into BullMQ under an id derived from it, the worker (startTimerFiring, exactly as
 * the worker role wires it) fires it, and a Redis that lost its keys is rebuilt from PostgreSQL.
 */
describe('one timer path: BullMQ fires, PostgreSQL is the truth', () => {
  const schema = uniqueName('t')
  const prefix = uniqueName('bq')
  const connection = redisConnection(TEST_REDIS_URL)
  let ds: DataSource
  let queue: Queue<TimerJob>
  let reconciler: TimerReconciler
  let deps: Omit<Parameters<typeof startTimerFiring>[0], 'worker'>
  const workers: Worker[] = []

  beforeAll(async () => {
    await ensureDatabase({ url: TEST_DATABASE_URL, schema })
    ds = await createDataSource({ url: TEST_DATABASE_URL, schema }).initialize()
    await runMigrations(ds)
    const tenant = loadTenant('config/sandbox.yaml')
    // one partner reminder an hour: a timer fires once in a test, and its next one is far away
    const wait = { dueIn: '2d', firstReminderAfter: '1h', remindEvery: '1h', remindersBeforeEscalation: 2, escalation: ['owner', 'supervisor'] }
    tenant.policy = { quietHours: { start: '00:00', end: '00:00' }, waits: { waiting_partner: wait, requested: wait, waiting_customer_material: wait, waiting_contact_coordination: wait } }
    await syncDirectory(ds, tenant)
    const directory = new Directory(tenant)
    const { services, wording } = buildServices(tenant, directory)
    deps = { connection, prefix, timerBatches: new SqlTimerBatchStore(ds), store: new SqlStore(ds), directory, services, wording, clock: { now: () => new Date() }, log: testLogger() }
    queue = createTimerQueue(connection, prefix)
    // a lost Redis is noticed within 200 ms here (2 s by default); no minute pass within a test
    reconciler = new TimerReconciler(ds, queue, testLogger(), { fullEveryMs: 3_600_000, watchEveryMs: 200 })
  })
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()))
    await reconciler?.stop()
    await queue?.obliterate({ force: true }).catch(() => undefined)
    await queue?.close()
    await ds?.destroy()
    await dropSchema(schema)
  })

  /** `n` cases waiting for the partner, each with its first reminder due at `dueAt`. */
  async function seed(n: number, dueAt: Date): Promise<number[]> {
    const store = new SqlStore(ds)
    const enteredAt = new Date(dueAt.getTime() - 3_600_000)
    const ids: number[] = []
    for (let i = 0; i < n; i++) {
      const c: Omit<CaseRecord, 'id'> = {
        customerKey: 'zhang',
        serviceType: 'after_sales',
        contactId: 'wx-zhang',
        executorId: null,
        ownerId: 'wx-handler-wang',
        partnerKey: 'anxin',
        orderNo: null,
        state: 'waiting_partner',
        waitingParty: 'partner',
        missingItems: [],
        receivedItems: [],
        awaiting: null,
        appointment: null,
        attentionSince: null,
        dueAt: new Date(dueAt.getTime() + 86_400_000),
        stateEnteredAt: enteredAt,
        stateVersion: 1,
        reminderCount: 0,
        cancellationReason: null,
        customerCompletedAt: null,
        writebackAt: null,
        createdAt: enteredAt,
        updatedAt: enteredAt,
        closedAt: null,
        nextTimerAt: dueAt,
        waitingExternalMs: 0,
        waitingTeamMs: 0,
      }
      ids.push(await store.transaction((tx) => tx.insertCase(c)))
    }
    return ids
  }

  /** timer_fired events per case (every case listed, 0 when none). */
  async function firings(ids: number[]): Promise<number[]> {
    const rows: Array<{ id: string; n: number }> = await ds.query(
      `SELECT c.id, count(e.*)::int AS n FROM cases c LEFT JOIN case_events e ON e.case_id = c.id AND e.kind = 'timer_fired' WHERE c.id = ANY($1::bigint[]) GROUP BY c.id ORDER BY c.id`,
      [ids],
    )
    return rows.map((r) => r.n)
  }

  const remindersSent = async (ids: number[]): Promise<number> =>
    ((await ds.query(`SELECT count(*)::int AS n FROM sends WHERE kind = 'reminder' AND case_id = ANY($1::bigint[])`, [ids])) as Array<{ n: number }>)[0]!.n

  /** A worker as the worker role starts it; `batches` gets the size of every batch it locks. */
  function startWorker(worker?: Parameters<typeof startTimerFiring>[0]['worker'], batches: number[] = []): { worker: Worker; fired: string[] } {
    const fired: string[] = []
    const timerBatches: TimerBatchStore = {
      transaction: (fn) =>
        deps.timerBatches.transaction((tx) => {
          const counted = Object.create(tx) as typeof tx
          counted.preload = (filter, messages, opts) => (batches.push(filter.caseIds?.length ?? 0), tx.preload(filter, messages, opts))
          return fn(counted)
        }),
    }
    // every worker of this file: a dead one's jobs pass to another within seconds, not BullMQ's
    // 30 s (which worker looks for stalled jobs is settled in Redis by the last one's interval)
    const w = startTimerFiring({ ...deps, timerBatches, worker: { lockDurationMs: 4000, stalledIntervalMs: 1000, ...worker } })
    w.on('completed', (job, outcome: string) => void (outcome !== 'stale' && fired.push(job.id!)))
    workers.push(w)
    return { worker: w, fired }
  }

  it('a timer is fired by its BullMQ job, at its due time, and its job id is derived from the case', async () => {
    const dueAt = new Date(Date.now() + 1500)
    const [id] = await seed(1, dueAt)
    await reconciler.reconcileNow('changed')
    const jobId = `timer-${id}-1-0`
    expect((await ds.query(`SELECT timer_job_id FROM cases WHERE id = $1`, [id]))[0].timer_job_id).toBe(jobId)
    expect(await (await queue.getJob(jobId))!.isDelayed()).toBe(true)
    const { worker, fired } = startWorker()
    try {
      // read again once completed: a job read while active has no return value yet
      const job = await eventually(async () => ((await (await queue.getJob(jobId))?.isCompleted()) ? queue.getJob(jobId) : null), { timeoutMs: 10_000 })
      // the job did the firing: nothing else fired it before it came (it would find it stale)
      expect({ outcome: job.returnvalue as unknown, fired }).toEqual({ outcome: 'remind', fired: [jobId] })
      const [e] = (await loadChain(ds, id!)).filter((x) => x.kind === 'timer_fired')
      expect(new Date(e!.at).getTime()).toBeGreaterThanOrEqual(dueAt.getTime() - 1000)
      expect(await firings([id!])).toEqual([1])
      expect(await remindersSent([id!])).toBe(1)
    } finally {
      await worker.close()
    }
  })

  it('Redis loses every key of the queue: the reconciler notices, re-creates the job from PostgreSQL, and it fires once', async () => {
    reconciler.start()
    const dueAt = new Date(Date.now() + 2500)
    const [id] = await seed(1, dueAt)
    reconciler.kick()
    const jobId = `timer-${id}-1-0`
    await eventually(async () => queue.getJob(jobId), { timeoutMs: 5000 })
    // a FLUSHALL of only this run's prefix (the shared Redis serves test files running beside it)
    const redis = new Redis(TEST_REDIS_URL)
    try {
      const keys = await redis.keys(`${prefix}:*`)
      expect(keys.length).toBeGreaterThan(0)
      await redis.del(...keys)
      expect(await queue.getJob(jobId)).toBeUndefined()
    } finally {
      await redis.quit()
    }
    // nobody calls the reconciler: it sees the loss itself and puts the same job back
    const back = await eventually(async () => queue.getJob(jobId), { timeoutMs: 5000 })
    expect(back.data).toEqual({ caseId: id, stateVersion: 1, attempt: 0 })
    const { worker } = startWorker()
    try {
      await eventually(async () => (await firings([id!]))[0] === 1, { timeoutMs: 10_000 })
      await eventually(async () => (await queue.getJob(jobId))?.isCompleted(), { timeoutMs: 5000 })
      // another full pass (the minute one) re-adds nothing that already fired
      await reconciler.reconcileNow('full')
      await new Promise((r) => setTimeout(r, 500))
      expect(await firings([id!])).toEqual([1])
      expect(await remindersSent([id!])).toBe(1)
    } finally {
      await worker.close()
    }
  })

  it('the queue reconnects to a Redis that lost the jobs but holds a mark again: the reconnect alone rebuilds them', async () => {
    // a reconciler of its own without the mark watch: only the reconnect can bring the job back
    const q2 = createTimerQueue(connection, prefix)
    const r2 = new TimerReconciler(ds, q2, testLogger(), { fullEveryMs: 3_600_000, watchEveryMs: 0 })
    r2.start()
    try {
      const [id] = await seed(1, new Date(Date.now() + 120_000))
      await r2.reconcileNow('changed')
      const jobId = `timer-${id}-1-0`
      await eventually(async () => q2.getJob(jobId), { timeoutMs: 5000 })
      // Redis restarted empty, then a SET of the mark that waited in ioredis' offline queue
      // lands (in one step: the file's other reconciler must not see the mark missing)
      const redis = new Redis(TEST_REDIS_URL)
      try {
        const keys = await redis.keys(`${prefix}:*`)
        await redis
          .multi()
          .del(...keys)
          .set(q2.toKey('baton-rebuilt'), 'replayed from the offline queue')
          .exec()
      } finally {
        await redis.quit()
      }
      expect(await q2.getJob(jobId)).toBeUndefined()
      ;(await q2.client).disconnect(true)
      const back = await eventually(async () => q2.getJob(jobId), { timeoutMs: 5000 })
      expect(back.data).toEqual({ caseId: id, stateVersion: 1, attempt: 0 })
    } finally {
      await r2.stop()
      await q2.close()
    }
  })

  it('two workers fire a rush of 400 due timers, each exactly once, in batches', async () => {
    const ids = await seed(400, new Date(Date.now() - 1000))
    // each worker holds 100 jobs at once, so neither can take the whole rush
    const batches: number[] = []
    const a = startWorker({ concurrency: 100 }, batches)
    const b = startWorker({ concurrency: 100 }, batches)
    try {
      await reconciler.reconcileNow('changed')
      await eventually(async () => (await firings(ids)).every((n) => n >= 1), { timeoutMs: 30_000 })
      await eventually(
        async () => {
          // (the earlier cases' next reminders, an hour away, wait as delayed jobs)
          const c = await queue.getJobCounts('active', 'waiting', 'prioritized')
          return (c['active'] ?? 0) + (c['waiting'] ?? 0) + (c['prioritized'] ?? 0) === 0
        },
        { timeoutMs: 10_000 },
      )
      expect(await firings(ids)).toEqual(ids.map(() => 1))
      expect(await remindersSent(ids)).toBe(400)
      expect(a.fired.length + b.fired.length).toBe(400)
      expect(a.fired.length).toBeGreaterThan(0)
      expect(b.fired.length).toBeGreaterThan(0)
      expect(new Set([...a.fired, ...b.fired]).size).toBe(400)
      expect(await queue.getJobCounts('failed')).toEqual({ failed: 0 })
      for (const id of ids.slice(0, 20)) expect(verifyChain(await loadChain(ds, id)).ok).toBe(true)
      // claimed and fired in batches, not one transaction per timer (a lone job goes alone)
      expect(batches.length).toBeLessThan(200)
      expect(Math.max(...batches)).toBeGreaterThan(1)
    } finally {
      await Promise.all([a.worker.close(), b.worker.close()])
    }
  })

  it('a worker killed mid-rush: the other takes over its jobs once their locks lapse, and every timer still fires once', async () => {
    const ids = await seed(300, new Date(Date.now() - 1000))
    const a = startWorker({ concurrency: 100 })
    await reconciler.reconcileNow('changed')
    await eventually(() => a.fired.length >= 20, { timeoutMs: 15_000, intervalMs: 5 })
    // stopped without finishing its jobs: they stay active in Redis, their locks no longer renewed
    await a.worker.close(true)
    const b = startWorker({ concurrency: 100 })
    try {
      await eventually(async () => (await firings(ids)).every((n) => n >= 1), { timeoutMs: 30_000 })
      await eventually(
        async () => {
          // (the earlier cases' next reminders, an hour away, wait as delayed jobs)
          const c = await queue.getJobCounts('active', 'waiting', 'prioritized')
          return (c['active'] ?? 0) + (c['waiting'] ?? 0) + (c['prioritized'] ?? 0) === 0
        },
        { timeoutMs: 20_000 },
      )
      expect(await firings(ids)).toEqual(ids.map(() => 1))
      expect(await remindersSent(ids)).toBe(300)
      expect(b.fired.length).toBeGreaterThan(0)
      expect(await queue.getJobCounts('failed')).toEqual({ failed: 0 })
    } finally {
      await b.worker.close()
    }
  })
})
