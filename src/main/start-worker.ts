import { SqlTimerBatchStore } from '../adapters/db/timer-batch-store.js'
import { withDeadline } from '../adapters/queue/deadline.js'
import { createNightlyQueue, scheduleChurnSweep, scheduleNightlyRules, startNightlyWorker } from '../adapters/queue/nightly-rules-queue.js'
import { sweepNightlyRules } from '../app/growth/sweep-nightly-rules.js'
import { timerBatchesWithCommitHooks } from './commit-hooks.js'
import type { Shared } from './shared-runtime.js'
import { Stoppers } from './stoppers.js'
import { wireGrowthSop } from './growth-sop-wiring.js'
import { startTimerFiring } from './timer-firing.js'

/**
 * The worker role, once PostgreSQL answers: BullMQ fires every timer (the reconciler keeps its
 * jobs in line with PostgreSQL), the draft-expiry sweep, and the nightly tag rules. Returns what
 * it must stop (filled as its steps run).
 */
export function startWorker(s: Shared): Stoppers {
  const stops = new Stoppers()
  s.withPostgres.add(async () => {
    const { env, store, directory, services, wording, clock, log, telemetry } = s
    const timerBatches = timerBatchesWithCommitHooks(new SqlTimerBatchStore(s.ds), { sendsQueued: () => s.relay.kick(), timersTouched: () => s.timers.kick() })
    const timerWorker = startTimerFiring({ connection: s.connection, prefix: env.BATON_QUEUE_PREFIX, timerBatches, store, directory, services, wording, clock, log, telemetry })
    stops.add(() => timerWorker.close())
    const expiry = s.metrics.draftExpirySweep()
    expiry.start()
    stops.add(() => expiry.stop())
    if (s.growthConfig.rules.some((r) => r.when.event === 'nightly') || s.churn.enabled) startNightlyRules(s, stops)
    // the SOP calendar and lifecycle flows (nothing when the tenant declares none)
    s.runtime.growthSop = wireGrowthSop({ ds: s.ds, connection: s.connection, prefix: env.BATON_QUEUE_PREFIX, growth: s.growth, wording, knowledge: s.runtime.knowledge! })
    stops.add(async () => s.runtime.growthSop?.stop())
  })
  return stops
}

/** Nightly tag rules (e.g. dormant): a BullMQ job scheduler, one schedule however many workers. */
function startNightlyRules(s: Shared, stops: Stoppers): void {
  const { env, log } = s
  const nightly = createNightlyQueue(s.connection, env.BATON_QUEUE_PREFIX)
  nightly.on('error', (err: Error) => log.warn({ err: { message: err.message } }, 'nightly queue: Redis error'))
  stops.add(() => withDeadline(nightly.close(), 5000, 'nightly queue close').catch(() => nightly.disconnect()))
  void scheduleNightlyRules(nightly, s.growthConfig.nightlyAt, s.policy.timezone).catch((err: Error) =>
    log.warn({ err: { message: err.message } }, 'scheduling the nightly tag rules failed; retried at the next start'),
  )
  void scheduleChurnSweep(nightly, s.churn.enabled ? s.churn.sweepEveryMs : null).catch((err: Error) =>
    log.warn({ err: { message: err.message } }, 'scheduling the churn sweep failed; retried at the next start'),
  )
  const nightlyWorker = startNightlyWorker({ connection: s.connection, prefix: env.BATON_QUEUE_PREFIX, log, sweep: s.churn.nightly(() => sweepNightlyRules(s.growth)), churnSweep: () => s.churn.sweep() })
  stops.add(() => nightlyWorker.close())
}

/**
 * Bot and worker: the outbox relay (committed sends to BullMQ) and the timer reconciler (timers
 * in PostgreSQL to BullMQ jobs) run once PostgreSQL answers. Stopped first.
 */
export function startScheduling(s: Shared): Stoppers {
  const stops = new Stoppers()
  s.withPostgres.add(async () => {
    s.relay.start()
    s.timers.start()
    stops.add(() => s.relay.stop())
    stops.add(() => s.timers.stop())
  })
  return stops
}
