import { redisConnection } from '../../src/adapters/queue/outbound-queue.js'
import { CHURN_SWEEP_SCHEDULER_ID, createNightlyQueue } from '../../src/adapters/queue/nightly-rules-queue.js'
import type { SandboxHarness } from './sandbox-runtime.js'
import { eventually } from './test-env.js'

/**
 * Removes the sandbox's one-minute churn sweep (config/growth.yaml `churn.sweepEvery`) once the
 * worker has scheduled it: a test that runs the sweeps itself, with a clock of its own, must not
 * have one open its task first.
 */
export async function stopChurnSweepSchedule(h: SandboxHarness): Promise<void> {
  const queue = createNightlyQueue(redisConnection(h.env.REDIS_URL), h.env.BATON_QUEUE_PREFIX)
  try {
    await eventually(async () => (await queue.getJobSchedulers()).some((s) => s.key === CHURN_SWEEP_SCHEDULER_ID))
    await queue.removeJobScheduler(CHURN_SWEEP_SCHEDULER_ID)
  } finally {
    await queue.close()
  }
}
