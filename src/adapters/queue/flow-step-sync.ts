import type { Queue } from 'bullmq'
import type { Logger } from '../../app/ports.js'
import type { SopFlowStore } from '../../app/growth/sop-flow-ports.js'
import { withDeadline } from './deadline.js'
import { addFlowStepJobs, flowStepJobId, scheduleSopTick, type GrowthSopJob } from './growth-sop-queue.js'

/** Set in the queue's keyspace by a rebuild: gone after a FLUSHALL or an empty restart, it says "rebuild". */
const REBUILT_MARK = 'growth-sop-rebuilt'
/** a step this late is checked for a job that failed for good (which would keep its id) */
const OVERDUE_MS = 5_000

/**
 * Keeps BullMQ in line with PostgreSQL for the calendar and the flows: on start, every
 * `fullEveryMs`, and within `watchEveryMs` of Redis losing its keys, it upserts the tick's job
 * scheduler and re-adds a delayed job for every pending flow step (job ids come from the step
 * rows, so re-adding is harmless). The same pattern as the timer reconciler.
 */
export class FlowStepSync {
  private timers: NodeJS.Timeout[] = []
  private running: Promise<number> | null = null

  constructor(
    private readonly store: SopFlowStore,
    private readonly queue: Queue<GrowthSopJob>,
    private readonly tickEveryMs: number,
    private readonly log: Logger,
    private readonly opts: { fullEveryMs?: number; watchEveryMs?: number } = {},
  ) {}

  start(): void {
    void this.rebuild()
    this.timers.push(setInterval(() => void this.rebuild(), this.opts.fullEveryMs ?? 300_000))
    this.timers.push(setInterval(() => void this.checkKept(), this.opts.watchEveryMs ?? 2_000))
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    await this.running?.catch(() => 0)
  }

  /** One rebuild now (tests); resolves with how many step jobs were added. */
  rebuild(): Promise<number> {
    this.running ??= this.pass()
      .catch((err: Error) => {
        this.log.warn({ err: { message: err.message } }, 'flow step sync cannot reach Redis; steps stay in PostgreSQL')
        return 0
      })
      .finally(() => (this.running = null))
    return this.running
  }

  private async checkKept(): Promise<void> {
    if (this.running) return
    try {
      const kept = await withDeadline(
        this.queue.client.then((c) => c.get(this.queue.toKey(REBUILT_MARK))),
        2000,
        'growth mark lookup',
      )
      if (kept === null && !this.running) {
        this.log.warn({}, 'growth jobs gone from Redis; rebuilding the SOP tick and flow steps from PostgreSQL')
        await this.rebuild()
      }
    } catch {
      // Redis away: looked for again at the next watch
    }
  }

  private async pass(): Promise<number> {
    // the mark first: a FLUSHALL during the pass takes it too, and the watch rebuilds again
    await withDeadline(
      this.queue.client.then((c) => c.set(this.queue.toKey(REBUILT_MARK), new Date().toISOString())),
      5000,
      'growth mark',
    )
    await withDeadline(scheduleSopTick(this.queue, this.tickEveryMs), 5000, 'SOP tick scheduler')
    let after = 0
    let total = 0
    for (;;) {
      const steps = await this.store.pendingSteps(after, 1000)
      if (steps.length === 0) return total
      after = steps.at(-1)!.id
      const now = Date.now()
      for (const s of steps) if (s.dueAt.getTime() < now - OVERDUE_MS) await this.dropFailed(flowStepJobId(s.id))
      await withDeadline(addFlowStepJobs(this.queue, steps, now), 5000, 'flow step jobs')
      total += steps.length
    }
  }

  private async dropFailed(jobId: string): Promise<void> {
    const job = await this.queue.getJob(jobId)
    if (job && (await job.isFailed())) {
      this.log.warn({ jobId, reason: job.failedReason }, 'flow step job had failed for good; adding it again')
      await job.remove()
    }
  }
}
