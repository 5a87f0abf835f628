import type { AttentionRecord } from '../../app/attention-queries.js'
import { EntitySchema } from 'typeorm'
import type { CaseRecord, DraftRecord, SendKind, SendRecord } from '../../app/case-record.js'

/**
 * The core tables' one definition on the TypeScript side (the migrations are the other; a test
 * compares them column by column). Every reader and writer in src/adapters/db derives its
 * columns from these (entity-columns.ts), so a column added here reaches every writer at once.
 * Properties are typed as the app's records use them: bigint ids are converted to numbers on the
 * way out (see fromRow), which is safe below 2^53.
 */

/** A case row: the app's record plus what only the timer reconciler reads and writes. */
export type CaseRow = CaseRecord & { timerJobId: string | null }

export type DraftRow = Omit<DraftRecord, 'knowledge' | 'onApproval'> & { knowledge: NonNullable<DraftRecord['knowledge']> | null; onApproval: NonNullable<DraftRecord['onApproval']> | null }

export interface SendRow {
  id: number
  kind: SendKind
  draftId: number | null
  caseId: number | null
  groupKey: string | null
  contactId: string | null
  text: string
  status: SendRecord['status']
  attempts: number
  wecomMessageId: string | null
  error: string | null
  notBefore: Date | null
  createdAt: Date
  relayedAt: Date | null
  sentAt: Date | null
  recalledAt: Date | null
  recallResult: string | null
  claimedAt: Date | null
  resendOf: number | null
  aboutGroup: string | null
  aboutTalker: string | null
  summaryKey: string | null
  /** the WeCom account that must deliver it (set by a trigger when the writer leaves it null; migration 1764001800000) */
  accountKey: string | null
}

export interface CaseEventRow {
  id: number
  caseId: number
  seq: number
  kind: string
  actor: string
  payload: unknown
  /** an ISO string on the way in (the hashed content), a Date on the way out */
  at: Date | string
  prevHash: string
  hash: string
}

export interface MessageRow {
  id: number
  wecomId: string
  direction: 'inbound' | 'outbound'
  groupKey: string | null
  roomId: string | null
  channel: string
  talkerId: string
  talkerName: string | null
  talkerRole: string
  type: string
  text: string
  mentionIds: string[]
  attachment: unknown
  saidAt: Date
  receivedAt: Date
  handledAt: Date | null
  caseId: number | null
  intent: string | null
  mode: string | null
  classification: unknown
  /** the WeCom account that heard it */
  accountKey: string | null
}

/** An attention item's row is the app's record, column for column (src/app/attention-queries.ts). */
export type AttentionRow = AttentionRecord

const id = { type: 'bigint', primary: true, generated: 'increment' } as const
const text = (name?: string, nullable = false) => ({ type: 'text', nullable, ...(name ? { name } : {}) }) as const
const texts = (name?: string) => ({ type: 'text', array: true, ...(name ? { name } : {}) }) as const
const at = (name: string, nullable = false) => ({ type: 'timestamptz', name, nullable }) as const
const bigint = (name: string, nullable = false) => ({ type: 'bigint', name, nullable }) as const
const int = (name: string, nullable = false) => ({ type: 'integer', name, nullable }) as const
const jsonb = (name?: string, nullable = true) => ({ type: 'jsonb', nullable, ...(name ? { name } : {}) }) as const

export const CaseEntity = new EntitySchema<CaseRow>({
  name: 'case',
  tableName: 'cases',
  columns: {
    id,
    customerKey: text('customer_key'),
    serviceType: text('service_type'),
    contactId: text('contact_id', true),
    executorId: text('executor_id', true),
    ownerId: text('owner_id', true),
    partnerKey: text('partner_key', true),
    orderNo: text('order_no', true),
    state: text(),
    waitingParty: text('waiting_party'),
    missingItems: texts('missing_items'),
    receivedItems: texts('received_items'),
    awaiting: text(undefined, true),
    appointment: jsonb(),
    attentionSince: at('attention_since', true),
    dueAt: at('due_at', true),
    stateEnteredAt: at('state_entered_at'),
    stateVersion: int('state_version'),
    reminderCount: int('reminder_count'),
    cancellationReason: text('cancellation_reason', true),
    customerCompletedAt: at('customer_completed_at', true),
    writebackAt: at('writeback_at', true),
    createdAt: at('created_at'),
    updatedAt: at('updated_at'),
    closedAt: at('closed_at', true),
    nextTimerAt: at('next_timer_at', true),
    waitingExternalMs: bigint('waiting_external_ms'),
    waitingTeamMs: bigint('waiting_team_ms'),
    timerJobId: text('timer_job_id', true),
  },
})

export const DraftEntity = new EntitySchema<DraftRow>({
  name: 'draft',
  tableName: 'drafts',
  columns: {
    id,
    caseId: bigint('case_id', true),
    targetGroupKey: text('target_group_key'),
    category: text(),
    text: text(),
    mode: text(),
    status: text(),
    riskFlags: texts('risk_flags'),
    riskDetails: jsonb('risk_details', false),
    candidates: { type: 'bigint', array: true },
    templateId: text('template_id', true),
    templateVersion: int('template_version', true),
    templateHash: text('template_hash', true),
    knowledge: jsonb(),
    onApproval: jsonb('on_approval'),
    sourceMessageId: bigint('source_message_id', true),
    decidedBy: text('decided_by', true),
    decidedAt: at('decided_at', true),
    finalText: text('final_text', true),
    decisionNote: text('decision_note', true),
    createdAt: at('created_at'),
  },
})

export const SendEntity = new EntitySchema<SendRow>({
  name: 'send',
  tableName: 'sends',
  columns: {
    id,
    kind: text(),
    draftId: bigint('draft_id', true),
    caseId: bigint('case_id', true),
    groupKey: text('group_key', true),
    contactId: text('contact_id', true),
    text: text(),
    status: text(),
    attempts: int('attempts'),
    wecomMessageId: text('wecom_message_id', true),
    error: text(undefined, true),
    notBefore: at('not_before', true),
    createdAt: at('created_at'),
    relayedAt: at('relayed_at', true),
    sentAt: at('sent_at', true),
    recalledAt: at('recalled_at', true),
    recallResult: text('recall_result', true),
    claimedAt: at('claimed_at', true),
    resendOf: bigint('resend_of', true),
    aboutGroup: text('about_group', true),
    aboutTalker: text('about_talker', true),
    summaryKey: text('summary_key', true),
    accountKey: text('account_key', true),
  },
})

export const CaseEventEntity = new EntitySchema<CaseEventRow>({
  name: 'case_event',
  tableName: 'case_events',
  columns: {
    id,
    caseId: bigint('case_id'),
    seq: int('seq'),
    kind: text(),
    actor: text(),
    payload: jsonb(undefined, false),
    at: at('at'),
    prevHash: text('prev_hash'),
    hash: text(),
  },
})

export const MessageEntity = new EntitySchema<MessageRow>({
  name: 'message',
  tableName: 'messages',
  columns: {
    id,
    wecomId: text('wecom_id'),
    direction: text(),
    groupKey: text('group_key', true),
    roomId: text('room_id', true),
    channel: text(),
    talkerId: text('talker_id'),
    talkerName: text('talker_name', true),
    talkerRole: text('talker_role'),
    type: text(),
    text: text(),
    mentionIds: texts('mention_ids'),
    attachment: jsonb(),
    saidAt: at('said_at'),
    receivedAt: at('received_at'),
    handledAt: at('handled_at', true),
    caseId: bigint('case_id', true),
    intent: text(undefined, true),
    mode: text(undefined, true),
    classification: jsonb(),
    accountKey: text('account_key', true),
  },
})

export const AttentionEntity = new EntitySchema<AttentionRow>({
  name: 'attention_item',
  tableName: 'attention_items',
  columns: {
    id,
    messageId: bigint('message_id'),
    caseId: bigint('case_id', true),
    customerKey: text('customer_key', true),
    groupKey: text('group_key', true),
    talkerId: text('talker_id'),
    reasons: texts(),
    text: text(),
    notified: { type: 'boolean' },
    createdAt: at('created_at'),
    clearedAt: at('cleared_at', true),
    clearedBy: text('cleared_by', true),
    clearNote: text('clear_note', true),
  },
})

export const CORE_ENTITIES = [CaseEntity, DraftEntity, SendEntity, CaseEventEntity, MessageEntity, AttentionEntity]
