import { fireLocked, type Firing, type FiringDeps, type TimerJob, type TimerOutcome } from './fire-timer.js'
import type { Clock, Logger, Telemetry } from './ports.js'
import type { BatchTx } from './store.js'

/** Batch transactions for timers: the same unit of work that decides messages (Store.batch). */
export interface TimerBatchStore {
  transaction<T>(fn: (tx: BatchTx) => Promise<T>): Promise<T>
}

export type TimerBatchDeps = FiringDeps & {
  timerBatches: TimerBatchStore
  clock: Clock
  log: Logger
  telemetry?: Pick<Telemetry, 'timerFired'>
}

/**
 * Fires a batch of timers in one transaction with a few statements, however many timers it
 * holds: firing each in its own transaction capped a morning rush at a few hundred timers a
 * second. Every case is locked first (one statement, id order); then each timer is decided once,
 * by exactly the code fireTimer runs (fireLocked), against the batch transaction, which answers
 * from the locked cases, takes ids from the sequences a chunk at a time, and writes everything in
 * one statement at commit. Two timers of one case in one batch see each other (the second is stale,
 * as it would be one after the other). Outcomes in input order.
 */
export async function fireTimers(deps: TimerBatchDeps, jobs: readonly TimerJob[]): Promise<TimerOutcome[]> {
  if (jobs.length === 0) return []
  const fired = await deps.timerBatches.transaction(async (tx) => {
    const ids = [...new Set(jobs.map((j) => j.caseId))]
    // A firing makes a few sends: their ids come in one trip. Draft ids are taken a few at a time
    // (doubling): a draft's number is read by people, and a batch of partner reminders makes none.
    await tx.preload({ caseIds: ids }, [], { idChunks: { sends: 4 * jobs.length } })
    // lateness is measured once the cases are ours, not when the job was queued
    const now = deps.clock.now()
    const out: Firing[] = []
    for (const job of jobs) out.push(await fireLocked(tx, deps, await tx.lockCase(job.caseId), job, now))
    return out
  })
  // counted and logged once committed: a rolled-back batch is fired again
  jobs.forEach((job, i) => {
    const f = fired[i]!
    if (f.lateMs === null) return
    deps.log.info({ caseId: job.caseId, step: f.outcome, attempt: job.attempt, lateMs: f.lateMs }, 'timer fired')
    deps.telemetry?.timerFired(f.outcome, f.lateMs)
  })
  return fired.map((f) => f.outcome)
}
