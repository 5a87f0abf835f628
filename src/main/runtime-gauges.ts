import { sqlRuntimeQueries } from '../adapters/db/runtime-queries.js'
import { withDeadline } from '../adapters/queue/deadline.js'
import type { Shared } from './shared-runtime.js'

/** What a metrics scrape reads live: queue depths, sends and cases by state, the WeCom session's figures. */
export function attachRuntimeGauges(s: Shared): void {
  const { runtime, accounts, timerQueue, tenant } = s
  const queries = sqlRuntimeQueries(s.ds)
  const states = ['waiting', 'active', 'delayed', 'failed'] as const
  const counts = (q: Pick<typeof timerQueue, 'getJobCounts'>) => withDeadline(q.getJobCounts(...states), 2000, 'queue depth').catch(() => ({}))
  s.telemetry.attachGauges({
    // every account's outbound queue added up
    queueCounts: async () => ({ outbound: await counts({ getJobCounts: (...st: typeof states) => accounts.jobCounts(...st) }), timers: await counts(timerQueue) }),
    sendsByStatus: () => queries.sendsByStatus(),
    waitingByState: () => queries.waitingByState(),
    oldestQueuedSendAgeSeconds: () => queries.oldestQueuedSendAgeSeconds(),
    wecomLoggedIn: () => (runtime.session ? runtime.session.ready : null),
    ...(runtime.watchdog
      ? {
          resilience: () => {
            const w = runtime.watchdog!.state
            const last = [w.lastEventAt, w.lastHeartbeatAt].filter((d): d is Date => d !== null).sort((a, b) => b.getTime() - a.getTime())[0]
            return {
              connectionStatus: w.status,
              lastSignOfLifeAgeSeconds: last ? (Date.now() - last.getTime()) / 1000 : null,
              resets: w.resets,
              spoolDepth: runtime.intake?.state.spooled ?? 0,
              sendRatePerMinute: runtime.throttle?.ratePerMinute() ?? tenant.outbound.perAccountPerMinute,
              sendRefusals: runtime.throttle?.state.refusals ?? 0,
            }
          },
        }
      : {}),
  })
}
