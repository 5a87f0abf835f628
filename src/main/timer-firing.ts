import type { ConnectionOptions, Worker } from 'bullmq'
import { startTimerWorker } from '../adapters/queue/timer-queue.js'
import { isDatabaseOutage } from '../adapters/db/is-outage.js'
import { fireTimer, type TimerDeps, type TimerJob } from '../app/fire-timer.js'
import { fireTimers, type TimerBatchStore } from '../app/fire-timers.js'
import { TimerBatcher } from '../app/timer-batcher.js'

/**
 * The worker role's one timer path: BullMQ hands over each due timer's job, the batcher gathers
 * what arrives together into one transaction (a morning rush is fired a few hundred at a time),
 * and a batch that fails for any reason but an outage is fired again one timer per transaction,
 * so one bad case holds up nobody else. Two workers never fire a timer twice: BullMQ gives a job
 * to one of them, and a re-delivered one finds its case moved on (stale).
 */
export function startTimerFiring(
  d: TimerDeps & { connection: ConnectionOptions; prefix: string; timerBatches: TimerBatchStore; worker?: Pick<Parameters<typeof startTimerWorker>[0], 'concurrency' | 'lockDurationMs' | 'stalledIntervalMs'> },
): Worker<TimerJob> {
  const { connection, prefix, timerBatches, worker, ...deps } = d
  const batcher = new TimerBatcher({
    fireBatch: (jobs) => fireTimers({ ...deps, timerBatches }, jobs),
    fireOne: (job) => fireTimer(deps, job),
    isOutage: isDatabaseOutage,
    log: deps.log,
  })
  return startTimerWorker({ connection, prefix, log: deps.log, isOutage: isDatabaseOutage, ...worker, fire: (job) => batcher.fire(job) })
}
