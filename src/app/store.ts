import type { CaseFacts } from '../domain/decide/case-facts.js'
import type { Engagement } from '../domain/decide/hold-for-person.js'
import type { CaseRecord, DraftRecord, DraftStatus, NewSend, NoticeAbout, SendRecord } from './case-record.js'

/** The last event of a case's evidence chain as last read (null: the case has none yet). */
export type ChainHeadHint = { seq: number; hash: string } | null

/** A claimed send, with its case's chain head as the claim read it (absent: not read). */
export type ClaimedSend = SendRecord & { caseHead?: ChainHeadHint }

export interface NewEvidence {
  kind: string
  actor: string
  payload: Record<string, unknown>
  at: Date
}

export type CasePatch = Partial<Omit<CaseRecord, 'id' | 'createdAt'>>

export interface OpenCaseFilter {
  customerKeys?: readonly string[]
  caseIds?: readonly number[]
  orderNumbers?: readonly string[]
}

/** A message a person must act on (see src/app/raise-attention.ts). */
export interface NewAttention {
  messageId: number
  caseId: number | null
  customerKey: string | null
  groupKey: string | null
  talkerId: string
  reasons: string[]
  /** the original text, for the team only */
  text: string
  /** whether the team was told in chat (a repeat within the same open matter is only queued) */
  notified: boolean
  createdAt: Date
}

/** The conversation a would-be direct answer sits in (see Tx.personEngaged). */
export interface EngagementQuery {
  groupKey: string | null
  caseId: number | null
  /** pending drafts of these categories on the case hold the answer (draftsThatHold) */
  categories: readonly string[]
  since: Date
  until: Date
  /** the message being answered, and who said it */
  messageId: number
  talkerId: string
}

/** Which open attention items a person's action clears. */
export interface AttentionScope {
  caseId?: number
  groupKey?: string
  id?: number
}

/** A case opened or closed, on its customer contact's event log (src/app/growth/case-contact-events.ts). */
export interface CaseContactEvent {
  wecomId: string
  name: string
  personId: string | null
  kind: 'case_opened' | 'case_closed'
  detail: Record<string, string | number | null>
  at: Date
}

/** Repository operations inside one transaction (the app's unit of work). */
export interface Tx {
  findOpenCases(filter: OpenCaseFilter): Promise<CaseFacts[]>
  lockCase(id: number): Promise<CaseRecord | null>
  insertCase(c: Omit<CaseRecord, 'id'>): Promise<number>
  updateCase(id: number, patch: CasePatch): Promise<void>
  insertDraft(d: Omit<DraftRecord, 'id'>): Promise<number>
  lockDraft(id: number): Promise<DraftRecord | null>
  updateDraft(id: number, patch: Partial<Omit<DraftRecord, 'id'>>): Promise<void>
  insertSend(s: NewSend, at: Date): Promise<number>
  appendEvidence(caseId: number, e: NewEvidence): Promise<void>
  /** events on customers' contact logs (growth): the contact is created when not seen before */
  appendContactEvents(events: readonly CaseContactEvent[]): Promise<void>
  /** Claims a queued send for one attempt; null if already done or in doubt (left `sending`). */
  claimSend(id: number): Promise<ClaimedSend | null>
  /** Puts a claimed send back in the queue without counting the attempt (throttled). */
  releaseSend(id: number, reason: string): Promise<void>
  /** Sends left `sending` since before the given time (a crash mid-delivery), locked. */
  lockInDoubtSends(claimedBefore: Date, limit: number): Promise<Array<SendRecord & { claimedAt: Date | null }>>
  /**
   * The recorded echo of send `sendId` (same conversation and text, said after `saidAfter`), or
   * null when the echoes there may all belong to other sends of the same text.
   */
  findOutboundEcho(q: { sendId: number; groupKey: string | null; text: string; saidAfter: Date }): Promise<string | null>
  sendStatus(id: number): Promise<string | null>
  /**
   * Writes a send's result; `lockCase` also takes that case's row lock in the same statement (as
   * lockCase does, without reading the row), for the delivery evidence that follows.
   */
  finishSend(id: number, r: { status: 'sent' | 'failed' | 'queued' | 'unknown'; wecomMessageId: string | null; error: string | null; at: Date }, opts?: { lockCase?: number }): Promise<void>
  /** the send that delivered a draft, if any */
  draftSend(draftId: number): Promise<(SendRecord & { wecomMessageId: string | null; recalledAt: Date | null }) | null>
  markRecalled(sendId: number, result: 'recalled' | 'not_recalled', at: Date): Promise<void>
  markMessageHandled(id: number, m: { caseId: number | null; intent: string | null; mode: string | null; classification: unknown; at: Date }): Promise<void>
  insertAttention(a: NewAttention): Promise<void>
  /** Reasons of the open items the team was told about for this group or case since `since`. */
  recentAttention(q: { groupKey: string | null; caseId: number | null; since: Date }): Promise<string[][]>
  /**
   * Who else is in this conversation since `since` (src/domain/decide/hold-for-person.ts): a person
   * (an open attention item for the group or case, staff writing in the group by hand up to
   * `until`, or a draft of the case in this category waiting for review), or customer-side members
   * talking among themselves (the group's message before `messageId` is another such member's question).
   */
  personEngaged(q: EngagementQuery): Promise<Engagement>
  /** Clears the open items in scope (a person acted); returns the cases left with none open. */
  clearAttention(scope: AttentionScope, by: { by: string; note: string; at: Date }): Promise<number[]>
  /**
   * The open case the group's messages were last tied to since `since`: what "明天下午能去" in a
   * coordination group is about when the handler named the customer a message earlier.
   */
  lastCaseInGroup(groupKey: string, since: Date): Promise<number | null>
  /**
   * Pending drafts of this case and category give way to a newer one (one pending reminder per
   * case): marks them superseded and answers their ids. `report` false: the caller does not need
   * the ids, so a batch may write it with its other writes (and answers none).
   */
  supersedeDrafts(caseId: number, category: string, at: Date, report?: boolean): Promise<number[]>
  /** The newest draft of this case in one of these categories, and what became of it; null: none. */
  latestDraft(caseId: number, categories: readonly string[]): Promise<{ id: number; status: DraftStatus } | null>
  /** Ties the open items of a customer that have no case yet to a case opened by hand; returns how many. */
  attachAttention(customerKey: string, caseId: number): Promise<number>
  /**
   * Notices told about the sender and its group, and the newest sender and group summaries, in one call: what
   * the fan-out decides every customer-side notice on.
   */
  fanoutState(about: NoticeAbout, since: Date, keys: { sender: string; group: string | null }): Promise<FanoutState>
  /** The newest summary notice with this key (about this sender) since `since`, and whether it is still queued. */
  latestSummary(about: NoticeAbout, key: string, since: Date): Promise<{ id: number; queued: boolean; createdAt: Date } | null>
  /**
   * Rewrites the text of a summary still queued; once it has been claimed (on its way or sent),
   * queues `instead` (the same text as a new summary). A batch writes it with its other writes.
   */
  rewriteSummary(sendId: number, text: string, instead: { send: NewSend; at: Date }): Promise<void>
  /** Inbound messages since `since` from this sender in its group (`sender`), and in the whole group. */
  messagesFrom(about: NoticeAbout, since: Date): Promise<{ sender: number; group: number; people: number }>
}

/** What the fan-out decides a customer-side notice on (see team-notices.ts). */
export interface FanoutState {
  /** notices told about the sender (in its group) and about the group since the window began */
  told: { sender: number; group: number }
  /** the newest sender and group summaries in the window, and whether each is still queued */
  sender: { id: number; queued: boolean; createdAt: Date } | null
  group: { id: number; queued: boolean; createdAt: Date } | null
}

/** What a batch needs to know about each message it decides (proof-of-material tracking). */
export interface BatchMessageFacts {
  id: number
  /** where it was said: the batch remembers the last case each group talked about */
  groupKey: string | null
  type: string
  direction: 'inbound' | 'outbound'
  saidAt: Date
  /** who said it: an answer to another customer-side member's question is side talk (Tx.personEngaged) */
  talkerId: string
  talkerRole: string
}

/**
 * A transaction that decides many messages at once: the open cases they can touch are loaded and
 * locked up front, reads are answered from memory (seeing the batch's own changes), and writes
 * are kept until commit, when each table gets one multi-row statement. It serves every Tx method
 * (what it does not hold is read through in the same transaction, after writing what it holds). Per message that is a
 * handful of statements fewer than ten per batch instead of ten per message (issue 7).
 */
export interface BatchTx extends Tx {
  /**
   * Loads and locks every open case the filter can match; false when there are too many to hold
   * in memory (the caller then decides one message at a time). A findOpenCases the filter does not
   * cover loads and locks what it needs then (one statement more). Cases named by id are locked
   * even when closed. `idChunks`: how many ids of each table to take at a time, for a large batch.
   */
  preload(filter: OpenCaseFilter, messages: readonly BatchMessageFacts[], opts?: { idChunks?: Partial<Record<'cases' | 'drafts' | 'sends', number>> }): Promise<boolean>
}

export interface Store {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>
  /**
   * Tx.claimSend as a statement of its own: one UPDATE is atomic by itself, and every send
   * delivered paid two more round trips (BEGIN, COMMIT) for a transaction around it.
   */
  claimSend(id: number): Promise<ClaimedSend | null>
  /**
   * A delivered send's result and its delivery event in one statement, outside any transaction
   * (a delivery cost six round trips; this makes it two with the claim). The event is chained on
   * `head`, the head the claim read: when the chain moved on since (another event of the case was
   * written meanwhile) nothing is written and false comes back, and the caller writes the result
   * the ordinary way (Tx.finishSend and Tx.appendEvidence in a transaction). `event` null: the send
   * belongs to no case. Absent where a store cannot do this.
   */
  finishSendAlone?(id: number, r: { status: 'sent'; wecomMessageId: string | null; at: Date }, event: { caseId: number; head: ChainHeadHint; evidence: NewEvidence } | null): Promise<boolean>
  /** one transaction with buffered, set-wise writes; absent where a store cannot batch */
  batch?<T>(fn: (tx: BatchTx) => Promise<T>): Promise<T>
}

export type CaseListFilter = 'open' | 'waiting' | 'overdue' | 'mine'

export interface EvidenceView {
  seq: number
  kind: string
  actor: string
  at: Date
  payload: Record<string, unknown>
}

/** Read-only queries for case cards, lists and exports. */
export interface CaseQueries {
  getCase(id: number): Promise<CaseRecord | null>
  getDraft(id: number): Promise<DraftRecord | null>
  recentEvents(caseId: number, limit: number): Promise<EvidenceView[]>
  listCases(filter: CaseListFilter, opts: { now: Date; me: string; limit: number }): Promise<CaseRecord[]>
}
