import type { NewContactEvent } from './growth-ports.js'
import type { NewSend } from '../case-record.js'
import type { ChurnFacts, ChurnOutcome, ChurnReason } from '../../domain/growth/churn-score.js'

/** One contact's churn facts as the nightly sweep reads them. */
export interface ContactChurnFacts extends ChurnFacts {
  contactId: number
  name: string
  /** the owner of the contact's latest service case (null: the team) */
  ownerId: string | null
  /** when the contact's last intervention task was closed (the cooldown), if any */
  lastClosedAt: Date | null
  /** whether an intervention task is open now */
  hasOpenTask: boolean
}

/** What the facts query needs from config. */
export interface ChurnFactsQuery {
  now: Date
  windowDays: number
  /** watched groups that have a type: leaving one counts */
  typedGroups: string[]
  stalledAfterDays: number
  negativeSignals: string[]
}

export interface ChurnTaskView {
  id: number
  contactId: number
  contactName: string
  ownerId: string | null
  score: number
  reasons: ChurnReason[]
  openedAt: Date
  closedAt: Date | null
  closedBy: string | null
  outcome: ChurnOutcome | null
  closeNote: string | null
}

export interface NewChurnTask {
  contactId: number
  ownerId: string | null
  score: number
  reasons: ChurnReason[]
}

/** Churn tasks inside one transaction. */
export interface ChurnTx {
  /** opens the task unless the contact has an open one (null then); its `opened` audit row with it */
  openTask(t: NewChurnTask, at: Date): Promise<number | null>
  setNotice(taskId: number, sendId: number): Promise<void>
  /** the task, locked; null when there is none */
  lockTask(id: number): Promise<ChurnTaskView | null>
  /** closes an open task with its `closed` audit row */
  closeTask(id: number, close: { outcome: ChurnOutcome; by: string; note: string | null }, at: Date): Promise<void>
  insertSend(s: NewSend, at: Date): Promise<number>
  /** a `task` event on the contact's log (opened, closed) */
  appendContactEvent(e: NewContactEvent): Promise<void>
}

export interface ChurnTaskFilter {
  status: 'open' | 'closed' | 'all'
  ownerId?: string
  limit: number
  offset: number
}

export interface ChurnTaskEvent {
  kind: 'opened' | 'closed'
  actor: string
  detail: Record<string, unknown>
  at: Date
}

/** A weekly funnel row (ISO week, Monday 00:00 in the tenant's zone is not needed: UTC weeks). */
export interface FunnelRow {
  week: string
  groupType: string | null
  newContacts: number
  firstInteraction: number
  joinedTypedGroup: number
  converted: number
}

/** SOP occurrences due in one ISO week in groups of one type (onTimeRate: see domain/growth/growth-rates.ts) */
export interface SopWeekRow {
  week: string
  groupType: string
  due: number
  sent: number
  onTime: number
  missed: number
  failed: number
  awaitingReview: number
  pending: number
  onTimeRate: number | null
}

/** Runs of one flow started in one ISO week (completionRate: see domain/growth/growth-rates.ts) */
export interface FlowWeekRow {
  week: string
  flowKey: string
  started: number
  completed: number
  exited: number
  running: number
  completionRate: number | null
}

export interface ChurnWeekRow {
  week: string
  opened: number
  closed: number
  outcomes: Record<ChurnOutcome, number>
}

/** Persistence of churn scores' facts, intervention tasks and the funnels. */
export interface ChurnStore {
  transaction<T>(fn: (tx: ChurnTx) => Promise<T>): Promise<T>
  /** every contact's facts, in contact id order, `limit` after `afterId` */
  churnFacts(q: ChurnFactsQuery, afterId: number, limit: number): Promise<ContactChurnFacts[]>
  listTasks(f: ChurnTaskFilter): Promise<{ items: ChurnTaskView[]; total: number }>
  task(id: number): Promise<ChurnTaskView | null>
  taskEvents(id: number): Promise<ChurnTaskEvent[]>
  /** contacts first seen per ISO week and how far they went, per group type */
  funnel(q: { from: Date; to: Date; groupTypes: Record<string, string[]>; conversionTags: string[] }): Promise<FunnelRow[]>
  churnWeeks(q: { from: Date; to: Date }): Promise<ChurnWeekRow[]>
  /** SOP occurrences due per ISO week and group type, with the on-time rate */
  sopWeeks(q: { from: Date; to: Date }): Promise<SopWeekRow[]>
  /** flow runs started per ISO week and flow, with the completion rate */
  flowWeeks(q: { from: Date; to: Date }): Promise<FlowWeekRow[]>
}
