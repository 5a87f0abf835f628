import type { ProofRule } from '../decide/decide-message.js'
import { firstClearExplanation, type ProgressQuestion } from './first-clear.js'
import { rate, summarize, type DurationSummary } from './summary-stats.js'

export const REVIEW_OUTCOMES = ['approved', 'edited', 'rejected', 'taken_over'] as const
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number]

/** The recorded facts of one row (a group, partner, handler, or everything), as read from PostgreSQL. */
export interface RowFacts {
  /** open cases in a waiting_* state now */
  waiting: Array<{ state: string; party: string; n: number; overdue: number }>
  deliveriesMs: number[]
  writebacksMs: number[]
  reviews: Array<{ category: string; status: ReviewOutcome }>
  wrongSends: number
  missedSends: number
  reminders: number
  progressQuestions: ProgressQuestion[]
  /** cases completed in the period, with the evidence they had at closing */
  completions: Array<{ serviceType: string; hasFile: boolean; hasConfirmation: boolean }>
  /** null where the figure has no such dimension (knowledge is tenant-wide) */
  knowledgeUpdates: number | null
}

export interface Figures {
  waitingNow: { total: number; overdue: number; byState: Record<string, number>; byParty: Record<string, number> }
  overdueRate: number | null
  partnerToDeliveryMs: DurationSummary
  completionToWritebackMs: DurationSummary
  review: { approved: number; edited: number; rejected: number; takenOver: number; passRateByCategory: Record<string, { decided: number; approvedAsIs: number; rate: number | null }> }
  wrongSends: number
  missedSends: number
  repeatedReminders: number
  firstClearExplanationRate: number | null
  incompleteEvidenceRate: number | null
  knowledgeUpdates: number | null
}

export function emptyRowFacts(): RowFacts {
  return { waiting: [], deliveriesMs: [], writebacksMs: [], reviews: [], wrongSends: 0, missedSends: 0, reminders: 0, progressQuestions: [], completions: [], knowledgeUpdates: null }
}

/** Whether a closed case had the proof its service type requires (the same rule the decision uses). */
export function evidenceComplete(rule: ProofRule, has: { hasFile: boolean; hasConfirmation: boolean }): boolean {
  switch (rule) {
    case 'none':
      return true
    case 'confirmation':
      return has.hasConfirmation || has.hasFile
    case 'image':
    case 'material':
      return has.hasFile
  }
}

/** Completed cases whose type requires proof, and how many of them closed without it. */
export function incompleteEvidence(completions: RowFacts['completions'], ruleFor: (serviceType: string) => ProofRule): { requiring: number; incomplete: number } {
  let requiring = 0
  let incomplete = 0
  for (const c of completions) {
    const rule = ruleFor(c.serviceType)
    if (rule === 'none') continue
    requiring += 1
    if (!evidenceComplete(rule, c)) incomplete += 1
  }
  return { requiring, incomplete }
}

/** Turns one row's facts into its figures (time passed in: first-clear needs to know what has elapsed). */
export function computeFigures(f: RowFacts, p: { from: Date; to: Date; now: Date; ruleFor: (serviceType: string) => ProofRule }): Figures {
  const byState: Record<string, number> = {}
  const byParty: Record<string, number> = {}
  let total = 0
  let overdue = 0
  for (const w of f.waiting) {
    byState[w.state] = (byState[w.state] ?? 0) + w.n
    byParty[w.party] = (byParty[w.party] ?? 0) + w.n
    total += w.n
    overdue += w.overdue
  }
  const counts: Record<ReviewOutcome, number> = { approved: 0, edited: 0, rejected: 0, taken_over: 0 }
  const cats = new Map<string, { decided: number; approvedAsIs: number }>()
  for (const r of f.reviews) {
    counts[r.status] += 1
    const c = cats.get(r.category) ?? { decided: 0, approvedAsIs: 0 }
    c.decided += 1
    if (r.status === 'approved') c.approvedAsIs += 1
    cats.set(r.category, c)
  }
  const passRateByCategory = Object.fromEntries([...cats].sort(([a], [b]) => (a < b ? -1 : 1)).map(([cat, c]) => [cat, { ...c, rate: rate(c.approvedAsIs, c.decided) }]))
  const clear = firstClearExplanation(f.progressQuestions, p)
  const evidence = incompleteEvidence(f.completions, p.ruleFor)
  return {
    waitingNow: { total, overdue, byState, byParty },
    overdueRate: rate(overdue, total),
    partnerToDeliveryMs: summarize(f.deliveriesMs),
    completionToWritebackMs: summarize(f.writebacksMs),
    review: { approved: counts.approved, edited: counts.edited, rejected: counts.rejected, takenOver: counts.taken_over, passRateByCategory },
    wrongSends: f.wrongSends,
    missedSends: f.missedSends,
    repeatedReminders: f.reminders,
    firstClearExplanationRate: rate(clear.clear, clear.asked),
    incompleteEvidenceRate: rate(evidence.incomplete, evidence.requiring),
    knowledgeUpdates: f.knowledgeUpdates,
  }
}
