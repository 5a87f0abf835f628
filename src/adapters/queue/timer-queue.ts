import { DelayedError, Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq'
import type { DataSource } from 'typeorm'
import { z } from 'zod'
import type { Logger } from '../../app/ports.js'
import type { TimerJob, TimerOutcome } from '../../app/fire-timer.js'
import { timerJobId } from '../../domain/timer-plan.js'
import { withDeadline } from './deadline.js'
import { TIMER_UNSYNCED } from '../../../migrations/1764000700000-timer-sync-index.js'

export const TIMER_QUEUE = 'timers'

const timerJobSchema = z.object({ caseId: z.number().int().positive(), stateVersion: z.number().int().positive(), attempt: z.number().int().min(0) }).strict()

export function createTimerQueue(connection: ConnectionOptions, prefix: string): Queue<TimerJob> {
  return new Queue<TimerJob>(TIMER_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { count: 1000 }, removeOnFail: { count: 5000 } },
  })
}

export function startTimerWorker(opts: {
  connection: ConnectionOptions
  prefix: string
  log: Logger
  fire: (job: TimerJob) => Promise<TimerOutcome>
  /** PostgreSQL unreachable: the timer is put back for later instead of using up its attempts */
  isOutage?: (err: unknown) => boolean
  outagePauseMs?: number
  /** jobs held at once; `fire` batches them (TimerBatcher), so this is two batches' worth */
  concurrency?: number
}): Worker<TimerJob> {
  const worker = new Worker<TimerJob>(
    TIMER_QUEUE,
    async (job: Job<TimerJob>, token?: string) => {
      const parsed = timerJobSchema.safeParse(job.data)
      if (!parsed.success) throw new UnrecoverableError(`bad timer job payload: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
      try {
        return await opts.fire(parsed.data)
      } catch (err) {
        if (!opts.isOutage?.(err)) throw err
        // a 20-second database outage must not exhaust a reminder's attempts and drop it
        opts.log.warn({ jobId: job.id, err: { message: (err as Error).message } }, 'PostgreSQL unreachable; timer put back')
        await job.moveToDelayed(Date.now() + (opts.outagePauseMs ?? 5000), token)
        throw new DelayedError()
      }
    },
    // a morning's due reminders are taken by the hundred: while one batch commits, the next
    // gathers (each job still waits for its own outcome, so completion and retries stay per job)
    { connection: opts.connection, prefix: opts.prefix, concurrency: opts.concurrency ?? 1000 },
  )
  worker.on('error', (err) => opts.log.warn({ err: { message: err.message } }, 'timer worker error'))
  return worker
}

interface TimerRow {
  id: string
  state_version: number
  reminder_count: number
  next_timer_at: Date | null
  timer_job_id: string | null
  closed_at: Date | null
}

/**
 * Keeps BullMQ's delayed jobs in line with PostgreSQL, where every due time lives. After each
 * commit it schedules changed timers and removes superseded ones; on start-up and every minute it
 * re-adds every pending timer (idempotent by job id), which rebuilds Redis after a FLUSHALL. A
 * due time already past fires at once.
 */
/** A timer this late without having fired is looked at more closely by the full pass. */
const OVERDUE_MS = 5_000

export class TimerReconciler {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private again: 'changed' | 'full' | null = null
  private outage = false

  constructor(
    private readonly ds: DataSource,
    private readonly queue: Queue<TimerJob>,
    private readonly log: Logger,
    private readonly fullEveryMs = 60_000,
  ) {}

  start(): void {
    this.run('full')
    this.timer = setInterval(() => this.run('full'), this.fullEveryMs)
  }

  kick(): void {
    this.run('changed')
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running
  }

  /** Runs one pass now and resolves when it is done (tests, the benchmark). */
  async reconcileNow(mode: 'changed' | 'full' = 'full'): Promise<number> {
    await this.running
    return this.pass(mode)
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
