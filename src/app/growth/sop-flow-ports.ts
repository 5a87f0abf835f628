import type { DraftRecord } from '../case-record.js'
import type { FlowDefinition } from '../../domain/growth/growth-config.js'
import type { FlowEvent } from '../../domain/growth/flow-plan.js'
import type { GrowthTx } from './growth-ports.js'

export type OccurrenceStatus = 'pending' | 'sent' | 'awaiting_review' | 'missed' | 'failed'

/** One scheduled post of an SOP item in a group, as stored. */
export interface Occurrence {
  id: number
  itemKey: string
  groupType: string
  groupKey: string
  dueAt: Date
  status: OccurrenceStatus
}

export interface NewOccurrence {
  itemKey: string
  groupType: string
  groupKey: string
  dueAt: Date
  status: 'pending' | 'missed'
}

/** A contact event a flow may start on, with its id in the log. */
export interface LoggedEvent extends FlowEvent {
  id: number
  contactId: number
  at: Date
}

/** A due flow step, locked, with its run. */
export interface LockedStep {
  stepId: number
  index: number
  runId: number
  contactId: number
  flowKey: string
  definition: FlowDefinition
  startedAt: Date
}

/** What a step's condition and action read about its contact. */
export interface FlowContact {
  name: string
  wecomId: string
  tags: string[]
  lastInboundAt: Date | null
}

export interface StepRef {
  id: number
  dueAt: Date
}

/** The SOP and flow tables inside one transaction, beside the growth tables and the outbox. */
export interface SopFlowTx {
  growth: GrowthTx
  insertDraft(d: Omit<DraftRecord, 'id'>): Promise<number>
  /** the newest due time recorded for an item in each of these groups (absent: none yet) */
  lastOccurrences(itemKey: string, groupKeys: readonly string[]): Promise<Map<string, Date>>
  /** rows already recorded (a concurrent tick) are left alone; how many were new */
  recordOccurrences(rows: readonly NewOccurrence[], at: Date): Promise<number>
  /** pending occurrences, locked; ones another tick holds are skipped */
  claimPending(limit: number): Promise<Occurrence[]>
  settleOccurrence(id: number, s: { status: OccurrenceStatus; sendId?: number; draftId?: number; sentAt?: Date; onTime?: boolean }, at: Date): Promise<void>
  /** the event log position a reader has reached, locked; null before its first read */
  lockCursor(name: string): Promise<number | null>
  writeCursor(name: string, lastId: number): Promise<void>
  maxEventId(): Promise<number>
  /** joined_group and tag_added events with an id above `afterId`, oldest first */
  eventsAfter(afterId: number, limit: number): Promise<LoggedEvent[]>
  /** "<flow key> <event id>" of the runs these trigger events already started (or were kept as) */
  triggersHandled(eventIds: readonly number[]): Promise<Set<string>>
  /** null when this trigger already started the flow, or the contact is in it already */
  startRun(r: { contactId: number; flowKey: string; version: string; definition: FlowDefinition; triggerEventId: number; at: Date }): Promise<number | null>
  /** null when the step was planned before (a repeated job) */
  insertStep(runId: number, index: number, dueAt: Date): Promise<StepRef | null>
  /** the step when it is still pending, due by `now` and its run still running, locked; else null */
  lockStep(stepId: number, now: Date): Promise<LockedStep | null>
  finishStep(stepId: number, status: 'done' | 'skipped' | 'cancelled', outcome: Record<string, string | number | boolean | null>, at: Date): Promise<void>
  advanceRun(runId: number, index: number): Promise<void>
  endRun(runId: number, status: 'completed' | 'exited', reason: string | null, at: Date): Promise<void>
  flowContact(contactId: number): Promise<FlowContact>
}

/** Persistence of the SOP calendar and the lifecycle flows. */
export interface SopFlowStore {
  transaction<T>(fn: (tx: SopFlowTx) => Promise<T>): Promise<T>
  /**
   * Occurrences waiting for review or delivery move on with what happened to their draft or
   * send: sent (on time when queued within `graceMs`), missed (rejected or expired undecided)
   * or failed (a send of the last two days that failed for good). Returns how many moved.
   */
  settleTracked(graceMs: number, at: Date): Promise<number>
  /** running runs of flows that exit on reply whose contact wrote after the run started: exited, their steps cancelled */
  exitReplied(at: Date): Promise<number>
  /** pending steps after `afterId`, by id (the reconciler pages through them) */
  pendingSteps(afterId: number, limit: number): Promise<StepRef[]>
}
