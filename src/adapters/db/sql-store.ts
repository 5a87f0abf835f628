import type { DataSource, EntitySchema } from 'typeorm'
import type { CaseRecord, DraftRecord, DraftStatus, NewSend, NoticeAbout, SendRecord } from '../../app/case-record.js'
import type { AttentionScope, BatchTx, CaseContactEvent, CasePatch, ChainHeadHint, ClaimedSend, EngagementQuery, FanoutState, NewAttention, NewEvidence, OpenCaseFilter, Store, Tx } from '../../app/store.js'
import { SqlBatchTx } from './batch-tx.js'
import type { CaseFacts } from '../../domain/decide/case-facts.js'
import type { Engagement } from '../../domain/decide/hold-for-person.js'
import { appendEvidence } from './evidence-store.js'
import { chainNext, insertEvents } from './evidence-chain.js'
import { contactEventParam, contactEventParts } from './contact-event-sql.js'
import { GENESIS_HASH } from '../../domain/evidence-hash.js'
import type { Queryable } from './sql.js'
import { AttentionEntity, CaseEntity, DraftEntity, MessageEntity, SendEntity, type CaseRow, type DraftRow } from './core-entities.js'
import { attentionRow, handledRow, newSendRow, toCaseRecord, toDeliveredSend, toDraftRecord, toSendRecord } from './core-rows.js'
import { insertRows, updateRows } from './entity-columns.js'
import { fanoutStateRow, inboundCounts, latestSummaryRow, updateQueuedSendText } from './notice-queries.js'

type Row = Record<string, unknown>

/** PostgreSQL's unique_violation: here, another event took the chain's next place first. */
const UNIQUE_VIOLATION = '23505'

/** Pending drafts of a case and category that a newer draft replaces (parameters are placeholders). */
export const SUPERSEDE_DRAFTS = (caseId: string, category: string, at: string) =>
  `UPDATE drafts SET status = 'superseded', decided_by = 'baton', decided_at = ${at}::timestamptz, decision_note = 'superseded by a newer draft'
    WHERE case_id = ${caseId}::bigint AND category = ${category}::text AND status = 'pending' RETURNING id`

/** Pending drafts named by id that a newer draft replaces (a batch found them under their case's lock). */
export const SUPERSEDE_DRAFT_IDS = (ids: string, at: string) =>
  `UPDATE drafts SET status = 'superseded', decided_by = 'baton', decided_at = ${at}::timestamptz, decision_note = 'superseded by a newer draft'
    WHERE id = ANY(${ids}::bigint[]) AND status = 'pending' RETURNING id`

/**
 * The case a group's messages were last tied to since $2, if it is still open. The last tied
 * message is found first on messages_group_said_idx (newest first, stops at the first hit), in a
 * CTE of its own: joined to the open cases directly, the planner walked every open case instead
 * (0.8 s a message on the benchmark's database).
 */
export const LAST_CASE_IN_GROUP = `WITH last AS MATERIALIZED (
    SELECT case_id FROM messages
     WHERE group_key = $1 AND said_at >= $2 AND case_id IS NOT NULL AND handled_at IS NOT NULL
     ORDER BY said_at DESC LIMIT 1)
  SELECT l.case_id FROM last l JOIN cases c ON c.id = l.case_id WHERE c.closed_at IS NULL`

/** Open items of a group or case the team was told about since $3. */
export const RECENT_ATTENTION = `SELECT reasons FROM attention_items
    WHERE cleared_at IS NULL AND notified AND created_at >= $3 AND group_key = $1::text
  UNION ALL
  SELECT reasons FROM attention_items
    WHERE cleared_at IS NULL AND notified AND created_at >= $3 AND case_id = $2::bigint`
/** Each branch on its own index (see RECENT_ATTENTION). */
export const PERSON_ENGAGED = `SELECT EXISTS (SELECT 1 FROM attention_items WHERE cleared_at IS NULL AND created_at >= $3 AND group_key = $1::text)
    OR EXISTS (SELECT 1 FROM attention_items WHERE cleared_at IS NULL AND created_at >= $3 AND case_id = $2::bigint)
    OR (NOT $8::boolean AND EXISTS (SELECT 1 FROM drafts WHERE case_id = $2::bigint AND status = 'pending' AND category = ANY($5::text[])))
    OR EXISTS (SELECT 1 FROM messages WHERE group_key = $1::text AND said_at >= $3 AND said_at <= $4 AND direction = 'inbound' AND talker_role IN ('handler', 'supervisor')) AS engaged,
  (SELECT p.direction = 'inbound' AND p.talker_id <> $7::text AND p.talker_role IN ('customer_contact', 'executor') AND p.classification->>'asks' = 'true'
     FROM messages p WHERE p.group_key = $1::text AND p.said_at >= $3 AND p.said_at <= $4 AND p.id <> $6::bigint
    ORDER BY p.said_at DESC, p.id DESC LIMIT 1) AS side_talk`
/** The newest draft in these categories of each of these cases (drafts_case_idx). */
export const LATEST_DRAFTS = `SELECT DISTINCT ON (case_id) case_id, id, status FROM drafts WHERE case_id = ANY($1::bigint[]) AND category = ANY($2::text[]) ORDER BY case_id, id DESC`
export type LatestDraftRow = { case_id: string; id: string; status: DraftStatus }
export type EngagementRow = { engaged: boolean; side_talk: boolean | null } | undefined
/** `draftsKnown`: the caller knows the case's pending drafts itself (a batch holding the case), so the query leaves them out. */
export const engagementParams = (q: EngagementQuery, draftsKnown = false): unknown[] => [q.groupKey, q.caseId, q.since, q.until, q.categories, q.messageId, q.talkerId, draftsKnown]
export const engagementOf = (row: EngagementRow): Engagement => (row?.engaged === true ? 'person' : row?.side_talk === true ? 'side_talk' : null)
// two branches, each on its partial index (an OR of the two made it a scan of every open item);
// an item in both is listed twice, which the caller's any-match does not mind

/**
 * Clears the open items of a case, a group or one item; answers with the cases left with no open
 * item (a case with another item still open keeps waiting for a person).
 */
export const CLEAR_ATTENTION = `WITH target AS (
    SELECT id FROM attention_items WHERE cleared_at IS NULL AND case_id = $1::bigint
    UNION SELECT id FROM attention_items WHERE cleared_at IS NULL AND group_key = $2::text
    UNION SELECT id FROM attention_items WHERE cleared_at IS NULL AND id = $3::bigint),
  cleared AS (
    UPDATE attention_items a SET cleared_at = $4, cleared_by = $5, clear_note = $6
      FROM target t WHERE a.id = t.id AND a.cleared_at IS NULL
     RETURNING a.id, a.case_id)
  SELECT DISTINCT c.case_id FROM cleared c
   WHERE c.case_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM attention_items a WHERE a.case_id = c.case_id AND a.cleared_at IS NULL AND a.id NOT IN (SELECT id FROM cleared))`

/** What deciding a message needs to know about an open case. */
export function toCaseFacts(c: CaseRecord, proofSinceStateEntry: boolean): CaseFacts {
  return {
    id: c.id,
    customerKey: c.customerKey,
    serviceType: c.serviceType,
    state: c.state,
    waitingParty: c.waitingParty,
    contactId: c.contactId,
    executorId: c.executorId,
    ownerId: c.ownerId,
    partnerKey: c.partnerKey,
    orderNo: c.orderNo,
    stateEnteredAt: c.stateEnteredAt,
    updatedAt: c.updatedAt,
    proofSinceStateEntry,
    missingItems: c.missingItems,
    receivedItems: c.receivedItems,
    awaiting: c.awaiting,
    appointment: c.appointment,
    needsPerson: c.attentionSince !== null,
  }
}

/** The SQL implementation of the app's transaction port. */
export class SqlTx implements Tx {
  /**
   * Cases this transaction holds the row lock of, with their chain head once known: an evidence
   * append to one of them needs neither the lock nor the head read again (two statements fewer
   * per append on the hot paths: a decided message, a delivered send).
   */
  private readonly locked = new Map<number, { seq: number; hash: string } | null>()

  constructor(private readonly q: Queryable) {}

  async appendContactEvents(events: readonly CaseContactEvent[]): Promise<void> {
    if (events.length === 0) return
    await this.q.query(`WITH ${contactEventParts('$1', 'ce').join(',\n')} SELECT 1`, [contactEventParam(events)])
  }

  async findOpenCases(f: OpenCaseFilter): Promise<CaseFacts[]> {
    const rows: Row[] = await this.q.query(
      `SELECT c.*, EXISTS (
           SELECT 1 FROM messages m
           WHERE m.case_id = c.id AND m.type IN ('image','file') AND m.direction = 'inbound'
             AND m.said_at >= c.state_entered_at) AS proof
         FROM cases c
        WHERE c.closed_at IS NULL
          AND (c.customer_key = ANY($1::text[]) OR c.id = ANY($2::bigint[]) OR c.order_no = ANY($3::text[]))
        ORDER BY c.updated_at DESC
        LIMIT 50`,
      [f.customerKeys ?? [], f.caseIds ?? [], f.orderNumbers ?? []],
    )
    return rows.map((r) => toCaseFacts(toCaseRecord(r), r['proof'] === true))
  }

  async insertAttention(a: NewAttention): Promise<void> {
    const { sql, value } = insertRows(AttentionEntity, [attentionRow(a)], '$1', 'ON CONFLICT (message_id) DO NOTHING')
    await this.q.query(sql, [value])
  }

  async recentAttention(q: { groupKey: string | null; caseId: number | null; since: Date }): Promise<string[][]> {
    const rows: { reasons: string[] }[] = await this.q.query(RECENT_ATTENTION, [q.groupKey, q.caseId, q.since])
    return rows.map((r) => r.reasons)
  }

  async personEngaged(q: EngagementQuery): Promise<Engagement> {
    const rows: EngagementRow[] = await this.q.query(PERSON_ENGAGED, engagementParams(q))
    return engagementOf(rows[0])
  }

  async clearAttention(scope: AttentionScope, by: { by: string; note: string; at: Date }): Promise<number[]> {
    const rows: { case_id: string }[] = await this.q.query(CLEAR_ATTENTION, [scope.caseId ?? null, scope.groupKey ?? null, scope.id ?? null, by.at, by.by, by.note])
    return rows.map((r) => Number(r.case_id))
  }

  async lastCaseInGroup(groupKey: string, since: Date): Promise<number | null> {
    const rows: { case_id: string }[] = await this.q.query(LAST_CASE_IN_GROUP, [groupKey, since])
    return rows[0] ? Number(rows[0].case_id) : null
  }

  async supersedeDrafts(caseId: number, category: string, at: Date): Promise<number[]> {
    // TypeORM answers an UPDATE … RETURNING with [rows, affected], not the rows
    const [rows]: [{ id: string }[], number] = await this.q.query(SUPERSEDE_DRAFTS('$1', '$2', '$3'), [caseId, category, at])
    return rows.map((r) => Number(r.id))
  }

  async latestDraft(caseId: number, categories: readonly string[]): Promise<{ id: number; status: DraftStatus } | null> {
    const rows: LatestDraftRow[] = await this.q.query(LATEST_DRAFTS, [[caseId], categories])
    return rows[0] ? { id: Number(rows[0].id), status: rows[0].status } : null
  }

  async attachAttention(customerKey: string, caseId: number): Promise<number> {
    const [, n]: [unknown, number] = await this.q.query(`UPDATE attention_items SET case_id = $2 WHERE customer_key = $1 AND case_id IS NULL AND cleared_at IS NULL`, [customerKey, caseId])
    return n
  }

  latestSummary(_about: NoticeAbout, key: string, since: Date): Promise<{ id: number; queued: boolean; createdAt: Date } | null> {
    return latestSummaryRow(this.q, key, since)
  }

  fanoutState(about: NoticeAbout, since: Date, keys: { sender: string; group: string | null }): Promise<FanoutState> {
    return fanoutStateRow(this.q, about, since, keys)
  }

  async rewriteSummary(sendId: number, text: string, instead: { send: NewSend; at: Date }): Promise<void> {
    if (!(await updateQueuedSendText(this.q, sendId, text))) await this.insertSend(instead.send, instead.at)
  }

  messagesFrom(about: NoticeAbout, since: Date): Promise<{ sender: number; group: number; people: number }> {
    return inboundCounts(this.q, about, since)
  }

  async lockCase(id: number): Promise<CaseRecord | null> {
    const rows: Row[] = await this.q.query(`SELECT * FROM cases WHERE id = $1 FOR UPDATE`, [id])
    if (!rows[0]) return null
    if (!this.locked.has(id)) this.locked.set(id, null)
    return toCaseRecord(rows[0])
  }

  async insertCase(c: Omit<CaseRecord, 'id'>): Promise<number> {
    const id = await insertOne(this.q, CaseEntity, c)
    // a row this transaction inserted is its own until commit, and its chain is empty
    this.locked.set(id, { seq: 0, hash: GENESIS_HASH })
    return id
  }

  async updateCase(id: number, patch: CasePatch): Promise<void> {
    await updateOne<CaseRow>(this.q, CaseEntity, id, patch)
  }

  async insertDraft(d: Omit<DraftRecord, 'id'>): Promise<number> {
    return insertOne(this.q, DraftEntity, d)
  }

  async lockDraft(id: number): Promise<DraftRecord | null> {
    const rows: Row[] = await this.q.query(`SELECT * FROM drafts WHERE id = $1 FOR UPDATE`, [id])
    return rows[0] ? toDraftRecord(rows[0]) : null
  }

  async updateDraft(id: number, patch: Partial<Omit<DraftRecord, 'id'>>): Promise<void> {
    await updateOne<DraftRow>(this.q, DraftEntity, id, patch as Partial<DraftRow>)
  }

  async insertSend(s: NewSend, at: Date): Promise<number> {
    return insertOne(this.q, SendEntity, newSendRow(s, at))
  }

  async appendEvidence(caseId: number, e: NewEvidence): Promise<void> {
    const held = this.locked.get(caseId)
    const event = await appendEvidence(this.q, caseId, e, held === undefined ? undefined : { head: held })
    this.locked.set(caseId, { seq: event.seq, hash: event.hash })
  }

  async claimSend(id: number): Promise<ClaimedSend | null> {
    // only a queued row: one left in `sending` may have reached WeCom already (a crash after
    // the puppet took it), so it is checked by settleInDoubtSends instead of being resent
    // one statement: the UPDATE locks the row and re-checks `queued` after any wait
    // (TypeORM answers an UPDATE … RETURNING with [rows, affected])
    // the case's chain head comes along (read before any lock): a delivery that finds it unchanged
    // writes its result and event in one statement (Store.finishSendAlone)
    const [rows]: [Row[], number] = await this.q.query(
      `UPDATE sends SET status = 'sending', attempts = attempts + 1, claimed_at = now() WHERE id = $1 AND status = 'queued'
        RETURNING *, (SELECT json_build_object('seq', e.seq, 'hash', e.hash) FROM case_events e WHERE e.case_id = sends.case_id ORDER BY e.seq DESC LIMIT 1) AS case_head`,
      [id],
    )
    const r = rows[0]
    if (!r) return null
    const head = r['case_head'] as { seq: number; hash: string } | null
    return { ...toSendRecord(r), caseHead: head === null ? null : { seq: Number(head.seq), hash: head.hash } }
  }

  async releaseSend(id: number, reason: string): Promise<void> {
    await this.q.query(`UPDATE sends SET status = 'queued', attempts = GREATEST(0, attempts - 1), claimed_at = NULL, error = $2 WHERE id = $1 AND status = 'sending'`, [id, reason])
  }

  async lockInDoubtSends(claimedBefore: Date, limit: number): Promise<Array<SendRecord & { claimedAt: Date | null }>> {
    const rows: Row[] = await this.q.query(`SELECT * FROM sends WHERE status = 'sending' AND (claimed_at IS NULL OR claimed_at < $1) ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`, [claimedBefore, limit])
    return rows.map((r) => ({ ...toSendRecord(r), claimedAt: toDeliveredSend(r).claimedAt }))
  }

  async findOutboundEcho(q: { sendId: number; groupKey: string | null; text: string; saidAfter: Date }): Promise<string | null> {
    // Echoes tied to a send by its message id are not candidates. A puppet that returns no
    // message id (the mock, some hosted ones) leaves echoes anonymous: the same text to the same
    // group by another send claimed around the same time (a template reply, a reminder) would
    // then pass for this one's echo, so each such send takes one echo first; when in doubt,
    // none is left and the send is reported instead.
    const rows: { wecom_id: string }[] = await this.q.query(
      `SELECT wecom_id FROM messages
        WHERE direction = 'outbound' AND group_key IS NOT DISTINCT FROM $1 AND text = $2 AND said_at >= $3
          AND wecom_id NOT IN (SELECT wecom_message_id FROM sends WHERE wecom_message_id IS NOT NULL)
        ORDER BY said_at
        OFFSET (SELECT count(*) FROM sends
                 WHERE id <> $4 AND group_key IS NOT DISTINCT FROM $1 AND text = $2 AND wecom_message_id IS NULL
                   AND status IN ('sent', 'sending', 'unknown')
                   AND (status = 'sending' OR sent_at >= $3::timestamptz - interval '10 seconds' OR claimed_at >= $3::timestamptz - interval '10 seconds'))
        LIMIT 1`,
      [q.groupKey, q.text, q.saidAfter, q.sendId],
    )
    return rows[0]?.wecom_id ?? null
  }

  async sendStatus(id: number): Promise<string | null> {
    const rows: { status: string }[] = await this.q.query(`SELECT status FROM sends WHERE id = $1`, [id])
    return rows[0]?.status ?? null
  }

  async finishSend(id: number, r: { status: 'sent' | 'failed' | 'queued' | 'unknown'; wecomMessageId: string | null; error: string | null; at: Date }, opts?: { lockCase?: number }): Promise<void> {
    const params = [id, r.status, r.wecomMessageId, r.error, r.status === 'sent' ? r.at : null]
    const update = `UPDATE sends SET status = $2, wecom_message_id = $3, error = $4, sent_at = $5 WHERE id = $1`
    if (opts?.lockCase === undefined) {
      await this.q.query(update, params)
      return
    }
    // one round trip for both (every delivered send of a case does this); the chain head is read
    // by the next statement, which sees whatever committed while this one waited for the lock
    await this.q.query(`WITH s AS (${update}) SELECT 1 FROM cases WHERE id = $6 FOR UPDATE`, [...params, opts.lockCase])
    if (!this.locked.has(opts.lockCase)) this.locked.set(opts.lockCase, null)
  }

  async draftSend(draftId: number): Promise<(SendRecord & { wecomMessageId: string | null; recalledAt: Date | null }) | null> {
    const rows: Row[] = await this.q.query(`SELECT * FROM sends WHERE draft_id = $1 AND kind = 'draft' FOR UPDATE`, [draftId])
    const r = rows[0]
    if (!r) return null
    const { claimedAt: _, ...send } = toDeliveredSend(r)
    return send
  }

  async markRecalled(sendId: number, result: 'recalled' | 'not_recalled', at: Date): Promise<void> {
    await this.q.query(`UPDATE sends SET recalled_at = $2, recall_result = $3 WHERE id = $1`, [sendId, at, result])
  }

  async markMessageHandled(id: number, m: { caseId: number | null; intent: string | null; mode: string | null; classification: unknown; at: Date }): Promise<void> {
    await updateOne(this.q, MessageEntity, id, handledRow(id, m))
  }
}

export class SqlStore implements Store {
  constructor(private readonly ds: DataSource) {}
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.ds.transaction((manager) => fn(new SqlTx(manager)))
  }

  claimSend(id: number): Promise<ClaimedSend | null> {
    return new SqlTx(this.ds.manager).claimSend(id)
  }

  async finishSendAlone(id: number, r: { status: 'sent'; wecomMessageId: string | null; at: Date }, event: { caseId: number; head: ChainHeadHint; evidence: NewEvidence } | null): Promise<boolean> {
    const params = [id, r.status, r.wecomMessageId, null, r.at]
    const update = `UPDATE sends SET status = $2, wecom_message_id = $3, error = $4, sent_at = $5 WHERE id = $1`
    if (!event) {
      await this.ds.query(update, params)
      return true
    }
    // The case row is locked first (the event's rows come through c), as every writer of its
    // chain does, so a batch holding the case finds its chain as it left it. The event follows the
    // head the claim read; if another event took that place since, the (case_id, seq) key refuses
    // the INSERT and the whole statement, result included, is undone.
    const ins = insertEvents([chainNext(event.head, event.caseId, event.evidence)], '(SELECT $7::jsonb FROM c)', 'RETURNING id')
    try {
      // the result only with its event: no case row, no write here (the caller's transaction says why)
      const [done]: Array<{ events: number }> = await this.ds.query(
        `WITH c AS (SELECT id FROM cases WHERE id = $6 FOR UPDATE), s AS (${update} AND EXISTS (SELECT 1 FROM c) RETURNING id), e AS (${ins.sql}) SELECT (SELECT count(*) FROM e)::int AS events`,
        [...params, event.caseId, ins.value],
      )
      return done?.events === 1
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) return false
      throw err
    }
  }

  batch<T>(fn: (tx: BatchTx) => Promise<T>): Promise<T> {
    return this.ds.transaction(async (manager) => {
      const tx = new SqlBatchTx(manager)
      const out = await fn(tx)
      await tx.flush()
      return out
    })
  }
}

/** One row in through the table's one INSERT; its new id. */
async function insertOne<T>(q: Queryable, entity: EntitySchema<T>, row: Partial<T>): Promise<number> {
  const { sql, value } = insertRows(entity, [row], '$1', 'RETURNING id')
  const rows: { id: string }[] = await q.query(sql, [value])
  return Number(rows[0]!.id)
}

/** The fields the patch carries, on one row, through the table's one UPDATE. */
async function updateOne<T extends { id: number }>(q: Queryable, entity: EntitySchema<T>, id: number, patch: Partial<T>): Promise<void> {
  const u = updateRows(entity, [{ ...patch, id }], '$1')
  if (u) await q.query(u.sql, [u.value])
}
