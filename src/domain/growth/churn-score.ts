/**
 * Churn early warning (issue 20): a transparent score, the sum of a few points each with its
 * reason, from what Baton sees of a contact. No model: a person reading the notice sees why.
 * Pure: the facts and the time are passed in.
 */

import type { RiskFlag } from '../types.js'

/** The weights and threshold of config/growth.yaml `churn`. */
export interface ChurnConfig {
  /** a score at or above this opens one intervention task */
  threshold: number
  /** the recent window (days): declining count compares it with the window before it */
  windowDays: number
  /** silence: points per day without an inbound message after `afterDays`, at most `max` */
  silence: { afterDays: number; perDay: number; max: number }
  /** declining messages: recent count at most `ratio` × the previous window's (which had at least `minPrevious`) */
  decline: { ratio: number; minPrevious: number; points: number }
  /** left a typed customer group within the window */
  leftTypedGroup: number
  /** an open service case the contact spoke in, untouched for `afterDays` or flagged for attention */
  stalledCase: { afterDays: number; points: number }
  /** a complaint signal in the contact's messages within the window */
  complaint: number
  /** other negative wording (these risk signals) within the window */
  negativeWording: { signals: RiskFlag[]; points: number }
  /** after a task is closed, none is opened again for this many days */
  cooldownDays: number
  /**
   * besides the nightly run, the scores are swept this often (a duration like "1m"): the sandbox's
   * short times, so a newcomer who complains and leaves a group sees a task within minutes
   */
  sweepEvery?: string | undefined
}

/** What Baton knows of one contact at scoring time. */
export interface ChurnFacts {
  lastInboundAt: Date | null
  /** when Baton first saw the contact: silence counts from here when they never wrote */
  firstSeenAt: Date
  recentMessages: number
  previousMessages: number
  /** the typed groups the contact left within the window */
  leftTypedGroups: string[]
  stalledCases: number[]
  complaints: number
  negativeMessages: number
}

export type ChurnReason =
  | { code: 'silence'; days: number; points: number }
  | { code: 'decline'; recent: number; previous: number; points: number }
  | { code: 'left_group'; groups: string[]; points: number }
  | { code: 'stalled_case'; cases: number[]; points: number }
  | { code: 'complaint'; count: number; points: number }
  | { code: 'negative_wording'; count: number; points: number }

export interface ChurnScore {
  score: number
  reasons: ChurnReason[]
}

const DAY = 86_400_000

/** Whole days without an inbound message (from first seen when the contact never wrote). */
export function silentDays(facts: Pick<ChurnFacts, 'lastInboundAt' | 'firstSeenAt'>, now: Date): number {
  const since = facts.lastInboundAt ?? facts.firstSeenAt
  return Math.max(0, Math.floor((now.getTime() - since.getTime()) / DAY))
}

/** The score and the reasons that make it up, highest first. */
export function scoreChurn(cfg: ChurnConfig, facts: ChurnFacts, now: Date): ChurnScore {
  const reasons: ChurnReason[] = []
  const days = silentDays(facts, now)
  if (days > cfg.silence.afterDays) {
    reasons.push({ code: 'silence', days, points: Math.min(cfg.silence.max, (days - cfg.silence.afterDays) * cfg.silence.perDay) })
  }
  const { recentMessages: recent, previousMessages: previous } = facts
  if (previous >= cfg.decline.minPrevious && recent <= previous * cfg.decline.ratio) {
    reasons.push({ code: 'decline', recent, previous, points: cfg.decline.points })
  }
  if (facts.leftTypedGroups.length > 0) reasons.push({ code: 'left_group', groups: facts.leftTypedGroups, points: cfg.leftTypedGroup })
  if (facts.stalledCases.length > 0) reasons.push({ code: 'stalled_case', cases: facts.stalledCases, points: cfg.stalledCase.points })
  if (facts.complaints > 0) reasons.push({ code: 'complaint', count: facts.complaints, points: cfg.complaint })
  if (facts.negativeMessages > 0) reasons.push({ code: 'negative_wording', count: facts.negativeMessages, points: cfg.negativeWording.points })
  const scored = reasons.filter((r) => r.points > 0).sort((a, b) => b.points - a.points)
  return { score: scored.reduce((s, r) => s + r.points, 0), reasons: scored }
}

/** Whether a score opens a task: at the threshold, and no task closed within the cooldown. */
export function crossesThreshold(cfg: ChurnConfig, score: ChurnScore, lastClosedAt: Date | null, now: Date): boolean {
  if (score.score < cfg.threshold) return false
  return lastClosedAt === null || now.getTime() - lastClosedAt.getTime() >= cfg.cooldownDays * DAY
}

/** How a person closed an intervention task. */
export const CHURN_OUTCOMES = ['retained', 'lost', 'no_risk'] as const
export type ChurnOutcome = (typeof CHURN_OUTCOMES)[number]
