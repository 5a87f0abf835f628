import type { TimerJob, TimerOutcome } from './fire-timer.js'
import type { Logger } from './ports.js'

interface Pending {
  job: TimerJob
  resolve(outcome: TimerOutcome): void
  reject(err: unknown): void
}

/**
 * Gathers the timers the queue worker hands over into batches fired in one transaction each
 * (fireTimers). One batch is in flight at a time; whatever arrives meanwhile forms the next, so a
 * lone timer waits for nobody and a morning rush is fired a few hundred at a time. Each caller
 * gets its own timer's outcome only after its batch has committed, so the queue completes or
 * retries every job on its own as before.
 */
export class TimerBatcher {
  private queue: Pending[] = []
  private flushing = false

  constructor(
    private readonly opts: {
      fireBatch(jobs: TimerJob[]): Promise<TimerOutcome[]>
      fireOne(job: TimerJob): Promise<TimerOutcome>
      /** PostgreSQL unreachable: firing one by one would fail the same way */
      isOutage(err: unknown): boolean
      log: Logger
      maxBatch?: number
      /** how many timers the one-by-one fallback fires at once */
      fallbackConcurrency?: number
    },
  ) {}

  fire(job: TimerJob): Promise<TimerOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject })
      if (!this.flushing) {
        this.flushing = true
        void this.flush()
      }
    })
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxBatch ?? 500)
      if (batch.length === 1) {
        await this.opts.fireOne(batch[0]!.job).then(batch[0]!.resolve, batch[0]!.reject)
        continue
      }
      try {
        const outcomes = await this.opts.fireBatch(batch.map((p) => p.job))
        batch.forEach((p, i) => p.resolve(outcomes[i]!))
      } catch (err) {
        if (this.opts.isOutage(err)) {
          // every job goes back to the queue; one by one would only meet the same outage
          for (const p of batch) p.reject(err)
          continue
        }
        // one bad case must not hold up the others: each timer gets its own transaction
        this.opts.log.warn({ timers: batch.length, err: { message: (err as Error).message } }, 'timer batch failed; firing its timers one by one')
        await this.oneByOne(batch)
      }
    }
    this.flushing = false
  }

  private async oneByOne(batch: Pending[]): Promise<void> {
    // a few cases at a time, but one case's timers one after the other, in the order they came,
    // as the batch would have fired them
    const byCase = new Map<number, Pending[]>()
    for (const p of batch) {
      const timers = byCase.get(p.job.caseId)
      if (timers) timers.push(p)
      else byCase.set(p.job.caseId, [p])
    }
    const cases = [...byCase.values()]
    let next = 0
    const lane = async (): Promise<void> => {
      while (next < cases.length) {
        for (const p of cases[next++]!) await this.opts.fireOne(p.job).then(p.resolve, p.reject)
      }
    }
    await Promise.all(Array.from({ length: Math.min(cases.length, this.opts.fallbackConcurrency ?? 8) }, lane))
  }
}
