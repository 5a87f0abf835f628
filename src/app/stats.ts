import type { RowFacts } from '../domain/metrics/figures.js'

/** Headline figures of a period (see README, "Metrics" for how each is computed). */
export interface Headline {
  waiting: number
  overdue: number
  reviewed: Record<'approved' | 'edited' | 'rejected' | 'taken_over', number>
  byCategory: Array<{ category: string; decided: number; approvedAsIs: number }>
  sendsFailed: number
  recalled: number
  reminders: number
  writebackMedianMs: number | null
  deliveryMedianMs: number | null
  /** the period's facts as GET /api/v1/metrics reads them (missed sends, first-clear, evidence) */
  facts: RowFacts
}

export interface StatsQueries {
  headline(p: { from: Date; to: Date; now: Date }): Promise<Headline>
}

/** Review pass rate a category needs, over at least MIN_DRAFTS decided drafts, before Baton suggests automating it. */
export const READINESS = { minDrafts: 10, passRate: 0.9 } as const

/** Categories whose drafts were approved as written often enough to send directly. */
export function readyForAutomation(h: Headline, isAutomatic: (category: string) => boolean): string[] {
  return h.byCategory.filter((c) => c.decided >= READINESS.minDrafts && c.approvedAsIs / c.decided >= READINESS.passRate && !isAutomatic(c.category)).map((c) => c.category)
}
