import type { Wording } from '../../config/load-wording-dir.js'
import type { ProofRule } from '../../domain/decide/decide-message.js'
import { bucketIndex, bucketStarts, type BucketUnit } from '../../domain/metrics/buckets.js'
import { computeFigures, emptyRowFacts, REVIEW_OUTCOMES, type Figures, type ReviewOutcome } from '../../domain/metrics/figures.js'
import { percentile, rate } from '../../domain/metrics/summary-stats.js'
import type { ServiceType } from '../../domain/types.js'
import { AppError } from '../errors.js'
import type { GroupBy, MetricsQueries } from './metrics-ports.js'

export const FIGURE_NAMES = [
  'waitingNow',
  'overdueRate',
  'partnerToDeliveryMs',
  'completionToWritebackMs',
  'review',
  'wrongSends',
  'missedSends',
  'repeatedReminders',
  'firstClearExplanationRate',
  'incompleteEvidenceRate',
  'knowledgeUpdates',
] as const satisfies ReadonlyArray<keyof Figures>

export interface MetricsDeps {
  metrics: MetricsQueries
  /** the completion proof each service type requires (live knowledge) */
  proofRuleFor(serviceType: ServiceType): ProofRule
  wording: Wording
}

export interface MetricsReport {
  from: Date
  to: Date
  groupBy: GroupBy
  rows: Array<{ key: string | null; label: string | null; figures: Figures }>
  definitions: Record<string, string>
}

/** How each figure is computed, from config/wording/metrics.yaml (shown beside the numbers). */
export function figureDefinitions(wording: Wording): Record<string, string> {
  return Object.fromEntries(FIGURE_NAMES.map((name) => [name, wording.get(`metrics.definitions.${name}`) ?? name]))
}

/** The weekly figures of a period, for everything or per group / partner / handler. */
export async function computeMetrics(deps: MetricsDeps, p: { from: Date; to: Date; now: Date; groupBy: GroupBy }): Promise<MetricsReport> {
  if (p.from.getTime() >= p.to.getTime()) throw new AppError('bad_request', 'from: must be before to', { field: 'from' })
  const facts = await deps.metrics.periodFacts(p)
  const ruleFor = (t: string) => deps.proofRuleFor(t as ServiceType)
  const rows = [...facts.rows]
    .map(([key, f]) => ({ key, label: key === null ? null : (facts.labels.get(key) ?? null), figures: computeFigures(f, { ...p, ruleFor }) }))
    // named rows first, by key; the unattributed row (no group/partner/owner) last
    .sort((a, b) => (a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  if (p.groupBy === 'none' && rows.length === 0) rows.push({ key: null, label: null, figures: computeFigures({ ...emptyRowFacts(), knowledgeUpdates: 0 }, { ...p, ruleFor }) })
  return { from: p.from, to: p.to, groupBy: p.groupBy, rows, definitions: figureDefinitions(deps.wording) }
}

export interface SeriesBucket {
  start: Date
  waiting: number
  overdueRate: number | null
  deliveryMedianMs: number | null
  writebackMedianMs: number | null
  review: { approved: number; edited: number; rejected: number; takenOver: number }
}

/** At most this many buckets per request (a year of days). */
export const MAX_BUCKETS = 400
const BUCKET_MS: Record<BucketUnit, number> = { hour: 3_600_000, day: 86_400_000, week: 604_800_000 }

/**
 * Figures per time bucket for charts; `from` is rounded down to the start of its bucket (a local
 * day by default), so every bucket is whole. Waiting and overdue are as at each bucket's end (or now,
 * for the running bucket), rebuilt from the evidence trail; the rest count what happened inside it.
 */
export async function computeSeries(deps: Pick<MetricsDeps, 'metrics'>, p: { from: Date; to: Date; now: Date; bucket: BucketUnit; timezone: string }): Promise<{ buckets: SeriesBucket[] }> {
  if (p.from.getTime() >= p.to.getTime()) throw new AppError('bad_request', 'from: must be before to', { field: 'from' })
  const roughly = (p.to.getTime() - p.from.getTime()) / BUCKET_MS[p.bucket]
  const starts = roughly > MAX_BUCKETS + 1 ? [] : bucketStarts(p.from, p.to, p.bucket, p.timezone)
  if (roughly > MAX_BUCKETS + 1 || starts.length > MAX_BUCKETS) throw new AppError('bad_request', `bucket: more than ${MAX_BUCKETS} buckets; choose a shorter period or a larger bucket`, { field: 'bucket' })
  const ends = starts.map((s, i) => starts[i + 1] ?? p.to)
  const span = { from: starts[0] ?? p.from, to: p.to }
  const [facts, snapshots] = await Promise.all([deps.metrics.timedFacts(span), deps.metrics.waitingAt(ends.map((e) => new Date(Math.min(e.getTime(), p.now.getTime()))))])
  const deliveries = starts.map((): number[] => [])
  const writebacks = starts.map((): number[] => [])
  const reviews = starts.map(() => Object.fromEntries(REVIEW_OUTCOMES.map((o) => [o, 0])) as Record<ReviewOutcome, number>)
  for (const d of facts.deliveries) deliveries[bucketIndex(starts, p.to, d.at)]?.push(d.ms)
  for (const w of facts.writebacks) writebacks[bucketIndex(starts, p.to, w.at)]?.push(w.ms)
  for (const r of facts.reviews) {
    const b = reviews[bucketIndex(starts, p.to, r.at)]
    if (b) b[r.status] += 1
  }
  const median = (xs: number[]) => {
    const m = percentile(xs, 0.5)
    return m === null ? null : Math.round(m)
  }
  return {
    buckets: starts.map((start, i) => ({
      start,
      waiting: snapshots[i]!.waiting,
      overdueRate: rate(snapshots[i]!.overdue, snapshots[i]!.waiting),
      deliveryMedianMs: median(deliveries[i]!),
      writebackMedianMs: median(writebacks[i]!),
      review: { approved: reviews[i]!.approved, edited: reviews[i]!.edited, rejected: reviews[i]!.rejected, takenOver: reviews[i]!.taken_over },
    })),
  }
}
