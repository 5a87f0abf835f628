import { Batcher } from './batcher.js'
import type { TimerJob, TimerOutcome } from './fire-timer.js'
import type { Logger } from './ports.js'

type Settled = PromiseSettledResult<TimerOutcome>

/**
 * Gathers the timers the queue worker hands over into batches fired in one transaction each
 * (fireTimers). One batch is in flight at a time; whatever arrives meanwhile forms the next, so a
 * lone timer waits for nobody and a morning rush is fired a few hundred at a time. Each caller
 * gets its own timer's outcome only after its batch has committed, so the queue completes or
 * retries every job on its own as before.
 */
export class TimerBatcher {
  private readonly batcher: Batcher<TimerJob, TimerOutcome>

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
  ) {
    this.batcher = new Batcher((jobs) => this.run(jobs), opts.maxBatch ?? 500)
  }

  fire(job: TimerJob): Promise<TimerOutcome> {
    return this.batcher.submit(job)
  }

  private async run(jobs: TimerJob[]): Promise<Settled[]> {
    if (jobs.length === 1) return [await settle(this.opts.fireOne(jobs[0]!))]
    try {
      return (await this.opts.fireBatch(jobs)).map((value) => ({ status: 'fulfilled', value }))
    } catch (err) {
      // every job goes back to the queue; one by one would only meet the same outage
      if (this.opts.isOutage(err)) return jobs.map(() => ({ status: 'rejected', reason: err }))
      // one bad case must not hold up the others: each timer gets its own transaction
      this.opts.log.warn({ timers: jobs.length, err: { message: (err as Error).message } }, 'timer batch failed; firing its timers one by one')
      return this.oneByOne(jobs)
    }
  }

  private async oneByOne(jobs: TimerJob[]): Promise<Settled[]> {
    // a few cases at a time, but one case's timers one after the other, in the order they came,
    // as the batch would have fired them
    const out: Settled[] = new Array<Settled>(jobs.length)
    const byCase = new Map<number, number[]>()
    jobs.forEach((job, i) => byCase.set(job.caseId, [...(byCase.get(job.caseId) ?? []), i]))
    const cases = [...byCase.values()]
    let next = 0
    const lane = async (): Promise<void> => {
      while (next < cases.length) {
        for (const i of cases[next++]!) out[i] = await settle(this.opts.fireOne(jobs[i]!))
      }
    }
    await Promise.all(Array.from({ length: Math.min(cases.length, this.opts.fallbackConcurrency ?? 8) }, lane))
    return out
  }
}

function settle<T>(p: Promise<T>): Promise<PromiseSettledResult<T>> {
  return p.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason }),
  )
}
