import type { ConnectionOptions } from 'bullmq'
import type { DataSource } from 'typeorm'
import type { Wording } from '../config/load-wording-dir.js'
import type { GrowthDeps } from '../app/growth/growth-deps.js'
import type { LiveKnowledge } from '../app/knowledge/knowledge-ports.js'
import { postSopCalendar } from '../app/growth/post-sop-calendar.js'
import { runFlowStep, startTriggeredFlows } from '../app/growth/run-flows.js'
import type { SopFlowDeps } from '../app/growth/sop-flow-deps.js'
import type { StepRef } from '../app/growth/sop-flow-ports.js'
import { SqlSopFlowStore } from '../adapters/db/sop-flow-store.js'
import { addFlowStepJobs, createGrowthSopQueue, startGrowthSopWorker } from '../adapters/queue/growth-sop-queue.js'
import { FlowStepSync } from '../adapters/queue/flow-step-sync.js'
import { withDeadline } from '../adapters/queue/deadline.js'
import { delayMs } from '../domain/growth/flow-plan.js'
import { localDay } from '../domain/local-day.js'

/** The SOP calendar and the flows in a running worker: tests drive them through this. */
export interface GrowthSopHandle {
  deps: SopFlowDeps
  /** one tick now (calendar and flow triggers), its planned steps queued */
  tickNow(): Promise<StepRef[]>
  /** re-adds the tick's scheduler and every pending step's job from PostgreSQL */
  sync: FlowStepSync
  stop(): Promise<void>
}

/**
 * Wires the SOP calendar and the lifecycle flows into the worker role: the BullMQ queue with its
 * tick scheduler and delayed step jobs, their worker, and the sync that rebuilds them from
 * PostgreSQL. Nothing is started when the tenant declares no SOP item and no flow.
 */
export function wireGrowthSop(opts: {
  ds: DataSource
  connection: ConnectionOptions
  prefix: string
  growth: GrowthDeps
  wording: Wording
  knowledge: LiveKnowledge
  /** how often Redis is asked whether it lost the jobs (tests make it short) */
  watchEveryMs?: number
}): GrowthSopHandle | null {
  const { growth: g, connection, prefix } = opts
  if (g.cfg.flows.length === 0 && !g.cfg.groupTypes.some((t) => t.sop.length > 0)) return null
  const store = new SqlSopFlowStore(opts.ds)
  const deps: SopFlowDeps = {
    store,
    cfg: g.cfg,
    directory: g.directory,
    policy: g.policy,
    wording: opts.wording,
    knowledgeText: (id, now) => {
      const day = localDay(now, g.policy.timezone) ?? ''
      const e = opts.knowledge.current.entries.find((x) => x.id === id)
      const inDates = e && (!e.validFrom || e.validFrom.slice(0, 10) <= day) && (!e.validTo || day <= e.validTo.slice(0, 10))
      return inDates ? e.answer : null
    },
    clock: g.clock,
    log: g.log,
    ...(g.sendsQueued ? { sendsQueued: g.sendsQueued } : {}),
  }
  const queue = createGrowthSopQueue(connection, prefix)
  queue.on('error', (err: Error) => g.log.warn({ err: { message: err.message } }, 'growth SOP queue: Redis error'))
  const planned = (steps: StepRef[]) => addFlowStepJobs(queue, steps)
  const tick = async (): Promise<StepRef[]> => {
    await postSopCalendar(deps)
    return startTriggeredFlows(deps)
  }
  const worker = startGrowthSopWorker({
    connection,
    prefix,
    log: g.log,
    tick,
    runStep: async (stepId) => {
      const r = await runFlowStep(deps, stepId)
      return r.kind === 'done' || r.kind === 'skipped' ? r.next : null
    },
    planned,
  })
  const sync = new FlowStepSync(store, queue, delayMs(g.cfg.tickEvery) ?? 60_000, g.log, opts.watchEveryMs !== undefined ? { watchEveryMs: opts.watchEveryMs } : {})
  sync.start()
  return {
    deps,
    sync,
    tickNow: async () => {
      const steps = await tick()
      await planned(steps)
      return steps
    },
    stop: async () => {
      await sync.stop()
      await worker.close()
      await withDeadline(queue.close(), 5000, 'growth SOP queue close').catch(() => queue.disconnect())
    },
  }
}
