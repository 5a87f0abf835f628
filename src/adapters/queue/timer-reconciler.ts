import type { Queue } from 'bullmq'
import type { DataSource } from 'typeorm'
import type { Logger } from '../../app/ports.js'
import type { TimerJob } from '../../app/fire-timer.js'
import { timerJobId } from '../../domain/timer-plan.js'
import { withDeadline } from './deadline.js'
import { TIMER_UNSYNCED } from '../../../migrations/1764000700000-timer-sync-index.js'

interface TimerRow {
  id: string
  state_version: number
  reminder_count: number
  next_timer_at: Date | null
  timer_job_id: string | null
  closed_at: Date | null
}

/** A timer this late without having fired is looked at more closely by the full pass. */
const OVERDUE_MS = 5_000

/**
 * The key a full pass sets in the timer queue's keyspace before it re-adds the jobs. A FLUSHALL,
 * a Redis restarted empty or an eviction takes it with the jobs, so its absence says "rebuild".
 */
const REBUILT_MARK = 'baton-rebuilt'

export interface TimerReconcilerOptions {
  /** how often every pending timer is re-added, whatever happened (idempotent by job id) */
  fullEveryMs?: number
  /** how often Redis is asked whether it lost the jobs (one GET); 0 turns the watch off */
  watchEveryMs?: number
}

/**
 * Keeps BullMQ's delayed jobs, which fire every timer, in line with PostgreSQL, where every due
 * time lives. After each commit it schedules changed timers and removes superseded ones; on
 * start-up, every minute, and within `watchEveryMs` of Redis losing its keys (FLUSHALL, an empty
 * restart) it re-adds every pending timer. Job ids are derived from the case, its state entry and
 * the attempt, so a re-added job that already exists is not added twice, and one that fires after
 * its timer did finds it stale. A due time already past fires at once.
 */
export class TimerReconciler {
  private timer: NodeJS.Timeout | null = null
  private watch: NodeJS.Timeout | null = null
  private watching = false
  private running: Promise<void> | null = null
  private again: 'changed' | 'full' | null = null
  private outage = false
  private stopped = false
  private readonly fullEveryMs: number
  private readonly watchEveryMs: number

  constructor(
    private readonly ds: DataSource,
    private readonly queue: Queue<TimerJob>,
    private readonly log: Logger,
    opts: TimerReconcilerOptions = {},
  ) {
    this.fullEveryMs = opts.fullEveryMs ?? 60_000
    this.watchEveryMs = opts.watchEveryMs ?? 2_000
  }

  start(): void {
    this.watchReconnects()
    this.run('full')
    this.timer = setInterval(() => this.run('full'), this.fullEveryMs)
    if (this.watchEveryMs > 0) this.watch = setInterval(() => void this.checkRedisKept(), this.watchEveryMs)
  }

  kick(): void {
    this.run('changed')
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    if (this.watch) clearInterval(this.watch)
    this.timer = null
    this.watch = null
    await this.running
  }

  /** Runs one pass now and resolves when it is done (tests, the benchmark). */
  async reconcileNow(mode: 'changed' | 'full' = 'full'): Promise<number> {
    await this.running
    return this.pass(mode)
  }

  /**
   * A full pass as soon as the queue's connection is back after losing Redis. The mark alone
   * cannot say what a restart took: a SET from a pass that gave up during the outage waits in
   * ioredis' offline queue and lands on the emptied Redis first, and a pass that never touched
   * Redis while it was away (nothing changed) never saw the outage either.
   */
  private watchReconnects(): void {
    let lost = false
    void this.queue.client.then(
      (client) => {
        client.on('close', () => {
          lost = true
        })
        client.on('ready', () => {
          if (!lost || this.stopped) return
          lost = false
          this.log.info({}, 'timer queue reconnected to Redis; re-adding every pending timer')
          this.run('full')
        })
      },
      () => undefined,
    )
  }

  /** Starts a full pass when the mark of the last one is gone from Redis (its jobs went with it). */
  private async checkRedisKept(): Promise<void> {
    if (this.watching || this.running) return
    this.watching = true
    try {
      // the client itself may wait for a Redis that is away: the deadline covers both
      const kept = await withDeadline(
        this.queue.client.then((c) => c.get(this.queue.toKey(REBUILT_MARK))),
        2000,
        'timer mark lookup',
      )
      if (kept === null && !this.running) {
        this.log.warn({}, 'timer jobs gone from Redis (emptied or restarted); rebuilding them from PostgreSQL')
        this.run('full')
      }
    } catch {
      // Redis away: the pass that fails meanwhile reports it, and the mark is looked for again
    } finally {
      this.watching = false
    }
  }

  private run(mode: 'changed' | 'full'): void {
    if (this.running) {
      this.again = this.again === 'full' || mode === 'full' ? 'full' : 'changed'
      return
    }
    this.running = this.pass(mode)
      .then(() => {
        if (this.outage) {
          this.log.info({}, 'timer reconciler reached Redis again')
          // timers that came due meanwhile may have spent their attempts: look at all of them now
          this.again = 'full'
        }
        this.outage = false
      })
      .catch((err: Error) => {
        if (!this.outage) this.log.warn({ err: { message: err.message } }, 'timer reconciler cannot reach Redis; timers stay in PostgreSQL')
        this.outage = true
      })
      .finally(() => {
        this.running = null
        const again = this.again
        this.again = null
        if (again) this.run(again)
      })
  }

  private async pass(mode: 'changed' | 'full'): Promise<number> {
    // set before the jobs are added: a FLUSHALL during the pass takes the mark too, so the
    // watch runs another pass instead of trusting one whose early adds were lost
    if (mode === 'full')
      await withDeadline(
        this.queue.client.then((c) => c.set(this.queue.toKey(REBUILT_MARK), new Date().toISOString())),
        5000,
        'timer mark',
      )
    // 'changed' is the predicate of cases_timer_unsynced_idx: only out-of-date rows are read
    const where = mode === 'full' ? `(next_timer_at IS NOT NULL AND closed_at IS NULL) OR timer_job_id IS NOT NULL` : TIMER_UNSYNCED
    let lastId = 0
    let total = 0
    for (;;) {
      const rows: TimerRow[] = await this.ds.query(
        `SELECT id, state_version, reminder_count, next_timer_at, timer_job_id, closed_at FROM cases
          WHERE id > $1 AND (${where}) ORDER BY id LIMIT 1000`,
        [lastId],
      )
      if (rows.length === 0) return total
      lastId = Number(rows[rows.length - 1]!.id)
      total += await this.apply(rows)
    }
  }

  private async apply(rows: TimerRow[]): Promise<number> {
    const now = Date.now()
    const adds: Array<{ name: string; data: TimerJob; opts: { jobId: string; delay: number } }> = []
    const changes: Array<{ id: number; jobId: string | null }> = []
    const wanted = (r: TimerRow) => (r.next_timer_at && !r.closed_at ? timerJobId(Number(r.id), r.state_version, r.reminder_count) : null)
    // Jobs a firing or a state change left behind are removed together (ioredis pipelines what
    // is sent at once). One by one, a morning rush's 10,000 removals were 10,000 round trips in a
    // row, which slowed the firing itself (benchmark lateness p99 1.07-1.18 s, now 0.5-0.9 s).
    const removals = rows.flatMap((r) => (r.timer_job_id && r.timer_job_id !== wanted(r) ? [r.timer_job_id] : []))
    if (removals.length > 0) await withDeadline(Promise.all(removals.map((jobId) => this.queue.remove(jobId).catch(() => 0))), 5000, 'timer removal').catch(() => 0)
    for (const r of rows) {
      const id = Number(r.id)
      const want = wanted(r)
      // still due in PostgreSQL although its time has passed: a job that failed for good (its
      // attempts spent while PostgreSQL was away) would keep the id, and the add below would do nothing
      if (want && r.next_timer_at && r.next_timer_at.getTime() < now - OVERDUE_MS) await this.dropFailed(want)
      if (want && r.next_timer_at) {
        adds.push({ name: 'timer', data: { caseId: id, stateVersion: r.state_version, attempt: r.reminder_count }, opts: { jobId: want, delay: Math.max(0, r.next_timer_at.getTime() - now) } })
      }
      if (r.timer_job_id !== want) changes.push({ id, jobId: want })
    }
    if (adds.length > 0) await withDeadline(this.queue.addBulk(adds), 5000, 'timer reconciler')
    if (changes.length > 0) {
      // rows locked in id order first, as message and timer batches lock them: an UPDATE alone
      // locks in plan order and could deadlock with a batch holding some of the same cases
      await this.ds.query(
        `WITH locked AS (SELECT id FROM cases WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE)
         UPDATE cases AS c SET timer_job_id = v.job_id FROM unnest($1::bigint[], $2::text[]) AS v(id, job_id), locked
          WHERE c.id = v.id AND locked.id = c.id`,
        [changes.map((c) => c.id), changes.map((c) => c.jobId)],
      )
    }
    return adds.length
  }

  private async dropFailed(jobId: string): Promise<void> {
    const job = await withDeadline(this.queue.getJob(jobId), 5000, 'timer lookup')
    if (job && (await job.isFailed())) {
      this.log.warn({ jobId, reason: job.failedReason }, 'timer job had failed for good; scheduling it again')
      await job.remove()
    }
  }
}
