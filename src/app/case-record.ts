import type { Awaiting, CaseAppointment, CaseState, Party, RiskFlag, ServiceType } from '../domain/types.js'
import type { CaseEffects } from '../domain/decide/decide-message.js'

/** A service case as stored. */
export interface CaseRecord {
  id: number
  customerKey: string
  serviceType: ServiceType
  contactId: string | null
  executorId: string | null
  ownerId: string | null
  partnerKey: string | null
  orderNo: string | null
  state: CaseState
  waitingParty: Party
  missingItems: string[]
  /** requested items that have arrived since the last request (the write-back names them) */
  receivedItems: string[]
  /** what the case waits for from the customer side; null when it waits on nobody there */
  awaiting: Awaiting | null
  /** the visit time proposed to or agreed by the customer side, if any */
  appointment: CaseAppointment | null
  /** an attention item of this case waits for a person (a dispute, a hazard, a complaint...) */
  attentionSince: Date | null
  dueAt: Date | null
  stateEnteredAt: Date
  /** bumped on every state entry and every moved timer: part of the timer job id */
  stateVersion: number
  reminderCount: number
  cancellationReason: string | null
  customerCompletedAt: Date | null
  writebackAt: Date | null
  createdAt: Date
  updatedAt: Date
  closedAt: Date | null
  /** when the next reminder/escalation timer fires (PostgreSQL is the source of truth) */
  nextTimerAt: Date | null
  /** SLA clock: time spent waiting on the customer side or the partner, and on the team */
  waitingExternalMs: number
  waitingTeamMs: number
}

/**
 * A draft's held-back case effects, valid while the case has not moved since (`stateVersion`)
 * and still waits for the same things and the same visit time (a partner's new request changes
 * those, not the state).
 */
export type DraftOnApproval = CaseEffects & { stateVersion: number; awaiting: Awaiting | null; missingItems: string[]; wasAppointment: CaseAppointment | null }

export type DraftStatus = 'pending' | 'approved' | 'edited' | 'rejected' | 'taken_over' | 'sent_direct' | 'expired' | 'superseded'

export interface DraftRecord {
  id: number
  caseId: number | null
  targetGroupKey: string
  category: string
  text: string
  mode: 'send_direct' | 'review_before_send'
  status: DraftStatus
  riskFlags: RiskFlag[]
  riskDetails: Record<string, unknown>
  candidates: number[]
  templateId: string | null
  templateVersion: number | null
  templateHash: string | null
  /** the policy/campaign entries the text was made of (id, version, hash); absent: a template alone */
  knowledge?: { entries: Array<{ id: string; version: number; hash: string; kind: string }> } | null
  sourceMessageId: number | null
  /**
   * What approving the draft does to its case beyond sending it: the effects a guessed reading
   * held back, and the case's state version when they were decided (absent/null: nothing)
   */
  onApproval?: DraftOnApproval | null
  decidedBy: string | null
  decidedAt: Date | null
  finalText: string | null
  decisionNote: string | null
  createdAt: Date
}

export type SendKind = 'draft' | 'notice' | 'reply' | 'reminder' | 'writeback' | 'escalation' | 'welcome' | 'sop' | 'flow'

export interface NewSend {
  kind: SendKind
  draftId?: number | null
  caseId?: number | null
  groupKey?: string | null
  contactId?: string | null
  text: string
  notBefore?: Date | null
  /** the team notice this one repeats (see settleInDoubtSends) */
  resendOf?: number | null
  /** a team notice about someone's message: whom, so a chatty sender or group is counted (team-notices.ts) */
  about?: NoticeAbout | null
  /** a summary standing for the notices folded into it, one per sender or group and window */
  summaryKey?: string | null
}

/** Whose message a team notice is about. */
export interface NoticeAbout {
  groupKey: string | null
  talkerId: string
}

export interface SendRecord {
  id: number
  kind: SendKind
  draftId: number | null
  caseId: number | null
  groupKey: string | null
  contactId: string | null
  text: string
  status: 'queued' | 'sending' | 'sent' | 'failed' | 'unknown'
  attempts: number
  resendOf: number | null
}

/** A new case in `requested`, waiting on the team, with the given roles and due time. */
export function newCaseRecord(f: Pick<CaseRecord, 'customerKey' | 'serviceType' | 'contactId' | 'executorId' | 'ownerId' | 'partnerKey' | 'orderNo' | 'dueAt'>, now: Date): Omit<CaseRecord, 'id'> {
  return {
    ...f,
    state: 'requested',
    waitingParty: 'team',
    missingItems: [],
    receivedItems: [],
    awaiting: null,
    appointment: null,
    attentionSince: null,
    stateEnteredAt: now,
    stateVersion: 1,
    reminderCount: 0,
    cancellationReason: null,
    customerCompletedAt: null,
    writebackAt: null,
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    nextTimerAt: null,
    waitingExternalMs: 0,
    waitingTeamMs: 0,
  }
}
