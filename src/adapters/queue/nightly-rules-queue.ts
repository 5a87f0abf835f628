import { Queue, Worker, type ConnectionOptions } from 'bullmq'
import type { Logger } from '../../app/ports.js'

export const NIGHTLY_QUEUE = 'growth-nightly'
/** the one job scheduler's id: upserting it again (every start, every process) keeps one schedule */
export const NIGHTLY_SCHEDULER_ID = 'nightly-tag-rules'

export function createNightlyQueue(connection: ConnectionOptions, prefix: string): Queue {
  return new Queue(NIGHTLY_QUEUE, { connection, prefix, defaultJobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 }, removeOnComplete: { count: 30 }, removeOnFail: { count: 100 } } })
}

/**
 * Schedules the nightly tag rules as a BullMQ job scheduler at `at` (HH:MM) in the tenant's time
 * zone. A missed night is not caught up by BullMQ; none needs to be: the sweep tags everyone
 * silent since the cut-off, so the next night tags whoever the missed one would have.
 */
export async function scheduleNightlyRules(queue: Queue, at: string, timeZone: string): Promise<void> {
  const [h, m] = at.split(':').map(Number)
  await queue.upsertJobScheduler(NIGHTLY_SCHEDULER_ID, { pattern: `${m ?? 0} ${h ?? 3} * * *`, tz: timeZone }, { name: NIGHTLY_SCHEDULER_ID, data: {} })
}

/** the churn scores' own scheduler (config `churn.sweepEvery`), on the same queue and worker */
export const CHURN_SWEEP_SCHEDULER_ID = 'churn-sweep'

/**
 * Sweeps the churn scores every `everyMs` besides the nightly run (the sandbox's short times), or
 * removes that schedule when the file no longer asks for it.
 */
export async function scheduleChurnSweep(queue: Queue, everyMs: number | null): Promise<void> {
  if (everyMs === null) await queue.removeJobScheduler(CHURN_SWEEP_SCHEDULER_ID)
  else await queue.upsertJobScheduler(CHURN_SWEEP_SCHEDULER_ID, { every: everyMs }, { name: CHURN_SWEEP_SCHEDULER_ID, data: {} })
}

/**
 * Runs the sweep for each nightly job, and only the churn scores for a churn-sweep job; one at a
 * time, so two sweeps never run side by side.
 */
export function startNightlyWorker(opts: { connection: ConnectionOptions; prefix: string; log: Logger; sweep: () => Promise<number>; churnSweep?: () => Promise<number> }): Worker {
  const run = async (name: string) => (name === CHURN_SWEEP_SCHEDULER_ID ? { opened: (await opts.churnSweep?.()) ?? 0 } : { tagged: await opts.sweep() })
  const worker = new Worker(NIGHTLY_QUEUE, async (job) => run(job.name), { connection: opts.connection, prefix: opts.prefix, concurrency: 1 })
  worker.on('error', (err) => opts.log.warn({ err: { message: err.message } }, 'nightly rules worker error'))
  worker.on('failed', (job, err) => opts.log.error({ jobId: job?.id, err: { message: err.message } }, 'nightly tag rules failed'))
  return worker
}
