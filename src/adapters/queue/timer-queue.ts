import { DelayedError, Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq'
import { z } from 'zod'
import type { Logger } from '../../app/ports.js'
import type { TimerJob, TimerOutcome } from '../../app/fire-timer.js'

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
  /**
   * How long a job stays this worker's without its lock being renewed (BullMQ's default, 30 s):
   * a worker that dies mid-job leaves its jobs to another once it has passed.
   */
  lockDurationMs?: number
  /** how often this worker looks for such jobs (BullMQ's default, 30 s) */
  stalledIntervalMs?: number
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
    {
      connection: opts.connection,
      prefix: opts.prefix,
      concurrency: opts.concurrency ?? 1000,
      ...(opts.lockDurationMs ? { lockDuration: opts.lockDurationMs } : {}),
      ...(opts.stalledIntervalMs ? { stalledInterval: opts.stalledIntervalMs } : {}),
    },
  )
  worker.on('error', (err) => opts.log.warn({ err: { message: err.message } }, 'timer worker error'))
  return worker
}
