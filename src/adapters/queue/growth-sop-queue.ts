import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq'
import { z } from 'zod'
import type { Logger } from '../../app/ports.js'
import type { StepRef } from '../../app/growth/sop-flow-ports.js'

export const GROWTH_SOP_QUEUE = 'growth-sop'
/** the one job scheduler's id: upserting it again (every start, every reconcile) keeps one schedule */
export const SOP_TICK_SCHEDULER_ID = 'sop-calendar-tick'

/** A job of this queue: the calendar's tick, or one due flow step. */
export type GrowthSopJob = { kind: 'tick' } | { kind: 'flow-step'; stepId: number }

const jobSchema = z.discriminatedUnion('kind', [z.object({ kind: z.literal('tick') }).strict(), z.object({ kind: z.literal('flow-step'), stepId: z.number().int().positive() }).strict()])

/** A flow step's job id: derived from the step row, so adding it twice is adding it once. */
export const flowStepJobId = (stepId: number): string => `flowstep-${stepId}`

export function createGrowthSopQueue(connection: ConnectionOptions, prefix: string): Queue<GrowthSopJob> {
  return new Queue<GrowthSopJob>(GROWTH_SOP_QUEUE, {
    connection,
    prefix,
    // a completed step's job is removed: the step row, not the job, says it ran
    defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: true, removeOnFail: { count: 1000 } },
  })
}

/**
 * The calendar's tick as a BullMQ job scheduler every `everyMs`. BullMQ does not catch up a missed
 * tick and a FLUSHALL takes the scheduler with it: PostgreSQL keeps the occurrences, and the flow
 * step sync upserts the scheduler again whenever it rebuilds.
 */
export async function scheduleSopTick(queue: Queue<GrowthSopJob>, everyMs: number): Promise<void> {
  await queue.upsertJobScheduler(SOP_TICK_SCHEDULER_ID, { every: everyMs }, { name: 'tick', data: { kind: 'tick' } })
}

/** Adds the jobs of due-later flow steps, each delayed until its due time. */
export async function addFlowStepJobs(queue: Queue<GrowthSopJob>, steps: readonly StepRef[], now = Date.now()): Promise<void> {
  if (steps.length === 0) return
  await queue.addBulk(steps.map((s) => ({ name: 'flow-step', data: { kind: 'flow-step' as const, stepId: s.id }, opts: { jobId: flowStepJobId(s.id), delay: Math.max(0, s.dueAt.getTime() - now) } })))
}

/**
 * Runs the ticks and the flow steps. A tick may plan steps and a step may plan the next one:
 * those are added to the queue after their transaction committed (`planned`).
 */
export function startGrowthSopWorker(opts: {
  connection: ConnectionOptions
  prefix: string
  log: Logger
  tick: () => Promise<StepRef[]>
  runStep: (stepId: number) => Promise<StepRef | null>
  planned: (steps: StepRef[]) => Promise<void>
}): Worker<GrowthSopJob> {
  const worker = new Worker<GrowthSopJob>(
    GROWTH_SOP_QUEUE,
    async (job: Job<GrowthSopJob>) => {
      const parsed = jobSchema.safeParse(job.data)
      if (!parsed.success) throw new UnrecoverableError(`bad growth job payload: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
      if (parsed.data.kind === 'tick') {
        const steps = await opts.tick()
        await opts.planned(steps)
        return { planned: steps.length }
      }
      const next = await opts.runStep(parsed.data.stepId)
      if (next) await opts.planned([next])
      return { next: next?.id ?? null }
    },
    // ticks and steps are safe side by side (unique rows, claimed rows); a few at once keep a busy minute moving
    { connection: opts.connection, prefix: opts.prefix, concurrency: 4 },
  )
  worker.on('error', (err) => opts.log.warn({ err: { message: err.message } }, 'growth SOP worker error'))
  worker.on('failed', (job, err) => opts.log.error({ jobId: job?.id, err: { message: err.message } }, 'growth SOP job failed'))
  return worker
}
