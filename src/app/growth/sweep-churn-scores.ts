import { crossesThreshold, scoreChurn, type ChurnConfig, type ChurnScore } from '../../domain/growth/churn-score.js'
import type { ContactChurnFacts } from './churn-ports.js'
import type { ChurnDeps } from './churn-deps.js'
import { churnText, reasonsText } from './churn-wording.js'

/** contacts read (and scored) per query; openings commit per slice */
const SLICE = 2000

export interface ChurnSweep {
  scored: number
  /** contacts at or above the threshold (whether or not a task was opened for them now) */
  atRisk: number
  opened: number
  /** contact ids at or above the threshold (the simulation compares them with its ground truth) */
  atRiskIds: number[]
}

/**
 * The nightly churn scores: every contact is scored from its facts; one whose score reaches the
 * threshold, with no task open and none closed within the cooldown, gets one intervention task
 * for its owner and a notice in the internal group with the reasons. Safe to run twice: the
 * second run finds the task open (and the database refuses a second open task per contact).
 */
export async function sweepChurnScores(deps: ChurnDeps): Promise<ChurnSweep> {
  const cfg = deps.cfg.churn
  const result: ChurnSweep = { scored: 0, atRisk: 0, opened: 0, atRiskIds: [] }
  if (!cfg) return result
  const now = deps.clock.now()
  const query = {
    now,
    windowDays: cfg.windowDays,
    typedGroups: deps.cfg.groupTypes.flatMap((t) => t.groups),
    stalledAfterDays: cfg.stalledCase.afterDays,
    negativeSignals: cfg.negativeWording.signals,
  }
  for (let after = 0; ;) {
    const slice = await deps.churn.churnFacts(query, after, SLICE)
    if (slice.length === 0) break
    after = slice[slice.length - 1]!.contactId
    result.scored += slice.length
    const opening: Array<{ f: ContactChurnFacts; score: ChurnScore }> = []
    for (const f of slice) {
      const score = scoreChurn(cfg, f, now)
      if (score.score < cfg.threshold) continue
      result.atRisk++
      result.atRiskIds.push(f.contactId)
      if (!f.hasOpenTask && crossesThreshold(cfg, score, f.lastClosedAt, now)) opening.push({ f, score })
    }
    if (opening.length > 0) result.opened += await openTasks(deps, cfg, opening, now)
    if (slice.length < SLICE) break
  }
  if (result.opened > 0) deps.sendsQueued?.()
  deps.log.info({ scored: result.scored, atRisk: result.atRisk, opened: result.opened }, 'churn scores swept')
  return result
}

async function openTasks(deps: ChurnDeps, cfg: ChurnConfig, opening: Array<{ f: ContactChurnFacts; score: ChurnScore }>, now: Date): Promise<number> {
  const internal = deps.directory.internalGroups()[0]
  return deps.churn.transaction(async (tx) => {
    let opened = 0
    for (const { f, score } of opening) {
      const taskId = await tx.openTask({ contactId: f.contactId, ownerId: f.ownerId, score: score.score, reasons: score.reasons }, now)
      if (taskId === null) continue
      opened++
      await tx.appendContactEvent({ contactId: f.contactId, kind: 'task', detail: { task: taskId, change: 'opened', score: score.score }, at: now })
      if (!internal) continue
      const owner = f.ownerId === null ? churnText(deps.wording, 'team') : (deps.directory.person(f.ownerId)?.name ?? f.ownerId)
      const text = churnText(deps.wording, 'notice', {
        task: taskId,
        contact: f.name,
        score: score.score,
        threshold: cfg.threshold,
        reasons: reasonsText(deps.wording, deps.directory, score.reasons, cfg.windowDays),
        owner,
      })
      await tx.setNotice(taskId, await tx.insertSend({ kind: 'notice', groupKey: internal.key, text }, now))
    }
    return opened
  })
}
