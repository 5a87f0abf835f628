import type { ReviewOutcome, RowFacts } from '../../domain/metrics/figures.js'

export const GROUP_BYS = ['none', 'group', 'partner', 'handler'] as const
export type GroupBy = (typeof GROUP_BYS)[number]

/** The facts of a period, per row key (null: everything, or facts with no group/partner/owner). */
export interface PeriodFacts {
  rows: Map<string | null, RowFacts>
  /** display names of the keys (group topic, partner name, person name) */
  labels: Map<string, string>
}

/** Timestamped facts for charts (tenant-wide). */
export interface TimedFacts {
  deliveries: Array<{ at: Date; ms: number }>
  writebacks: Array<{ at: Date; ms: number }>
  reviews: Array<{ at: Date; status: ReviewOutcome }>
}

/** Read-only queries over the recorded facts (cases, drafts, sends, case_events, messages, knowledge_versions). */
export interface MetricsQueries {
  periodFacts(p: { from: Date; to: Date; now: Date; groupBy: GroupBy }): Promise<PeriodFacts>
  timedFacts(p: { from: Date; to: Date }): Promise<TimedFacts>
  /** waiting and overdue cases at each instant, rebuilt from the evidence trail */
  waitingAt(instants: readonly Date[]): Promise<Array<{ waiting: number; overdue: number }>>
}
