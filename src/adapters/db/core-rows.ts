import type { CaseRecord, DraftRecord, NewSend, SendRecord } from '../../app/case-record.js'
import type { AttentionRecord } from '../../app/attention-queries.js'
import type { RecordedMessage } from '../../app/inbound-message.js'
import type { NewAttention } from '../../app/store.js'
import type { Channel, MessageType, TalkerRole } from '../../domain/types.js'
import { AttentionEntity, CaseEntity, DraftEntity, MessageEntity, SendEntity, type AttentionRow, type MessageRow, type SendRow } from './core-entities.js'
import { columnsExcept, columnsFor, columnsOf, fromRow } from './entity-columns.js'

/**
 * The app's records to and from the core tables' rows, all through the entities' metadata. Only
 * what the records name differently from the columns is written out here (a send's `about`).
 */

/** timer_job_id is the reconciler's own (timer-reconciler.ts), not part of the app's case record */
export const CASE_RECORD_COLUMNS = columnsExcept(CaseEntity, ['timerJobId'])
const DRAFT_COLUMNS = columnsOf(DraftEntity)
const SEND_RECORD_COLUMNS = columnsFor(SendEntity, ['id', 'kind', 'draftId', 'caseId', 'groupKey', 'contactId', 'text', 'status', 'attempts', 'resendOf'])
const DELIVERY_COLUMNS = columnsFor(SendEntity, ['wecomMessageId', 'recalledAt', 'claimedAt'])

type Row = Record<string, unknown>

export function toCaseRecord(r: Row): CaseRecord {
  return fromRow(CASE_RECORD_COLUMNS, r)
}

export function toDraftRecord(r: Row): DraftRecord {
  return fromRow(DRAFT_COLUMNS, r)
}

export function toSendRecord(r: Row): SendRecord {
  return fromRow(SEND_RECORD_COLUMNS, r)
}

/** A send with what its delivery left on it (who reads it: recall, in-doubt settlement). */
export function toDeliveredSend(r: Row): SendRecord & Pick<SendRow, 'wecomMessageId' | 'recalledAt' | 'claimedAt'> {
  return { ...toSendRecord(r), ...fromRow(DELIVERY_COLUMNS, r) }
}

/** The row of a new send; `id` when it was taken from the sequence beforehand. The one mapping of NewSend. */
export function newSendRow(s: NewSend, at: Date, id?: number): Partial<SendRow> {
  return {
    ...(id === undefined ? {} : { id }),
    kind: s.kind,
    draftId: s.draftId ?? null,
    caseId: s.caseId ?? null,
    groupKey: s.groupKey ?? null,
    contactId: s.contactId ?? null,
    text: s.text,
    notBefore: s.notBefore ?? null,
    createdAt: at,
    resendOf: s.resendOf ?? null,
    aboutGroup: s.about?.groupKey ?? null,
    aboutTalker: s.about?.talkerId ?? null,
    summaryKey: s.summaryKey ?? null,
  }
}

/** The row of a new attention item, cleared already when a person acted in the same batch. */
export function attentionRow(a: NewAttention, cleared?: { at: Date; by: string; note: string }): Partial<AttentionRow> {
  const { notified, messageId, caseId, customerKey, groupKey, talkerId, reasons, text, createdAt } = a
  return { messageId, caseId, customerKey, groupKey, talkerId, reasons, text, notified, createdAt, clearedAt: cleared?.at ?? null, clearedBy: cleared?.by ?? null, clearNote: cleared?.note ?? null }
}

/** What deciding a message writes back on its row. */
export function handledRow(id: number, m: { caseId: number | null; intent: string | null; mode: string | null; classification: unknown; at: Date }): Partial<MessageRow> {
  return { id, caseId: m.caseId, intent: m.intent, mode: m.mode, classification: m.classification ?? null, handledAt: m.at }
}

const MESSAGE_COLUMNS = columnsOf(MessageEntity)
const ATTENTION_COLUMNS = columnsOf(AttentionEntity)

/** The row of a message to record (the one mapping of a RecordedMessage into its table). */
export function newMessageRow(m: Omit<RecordedMessage, 'id'>, now: Date): Partial<MessageRow> {
  const { wecomId, direction, groupKey, roomId, channel, talkerId, talkerName, talkerRole, type, text, mentionIds, attachment, saidAt, accountKey } = m
  // PostgreSQL cannot hold NUL or lone surrogates: storableJson cleans them, the rest is verbatim.
  // Outbound messages are never decided on.
  return {
    wecomId,
    direction,
    groupKey,
    roomId,
    channel,
    talkerId,
    talkerName,
    talkerRole,
    type,
    text,
    mentionIds,
    attachment,
    saidAt,
    handledAt: direction === 'outbound' ? now : null,
    accountKey: accountKey ?? null,
  }
}

export function toRecordedMessage(r: Row): RecordedMessage {
  const m = fromRow(MESSAGE_COLUMNS, r)
  return {
    id: m.id,
    wecomId: m.wecomId,
    direction: m.direction,
    groupKey: m.groupKey,
    roomId: m.roomId,
    channel: m.channel as Channel,
    talkerId: m.talkerId,
    talkerName: m.talkerName ?? '',
    talkerRole: m.talkerRole as TalkerRole,
    self: m.direction === 'outbound',
    type: m.type as MessageType,
    text: m.text,
    mentionIds: m.mentionIds,
    attachment: m.attachment as RecordedMessage['attachment'],
    saidAt: m.saidAt,
  }
}

export function toAttentionRecord(r: Row): AttentionRecord {
  return fromRow(ATTENTION_COLUMNS, r)
}
