import type { CaseRecord, DraftRecord, DraftStatus, NewSend, NoticeAbout, SendRecord } from '../../app/case-record.js'
import type { AttentionScope, BatchMessageFacts, BatchTx, ClaimedSend, EngagementQuery, CaseContactEvent, CasePatch, FanoutState, NewAttention, NewEvidence, OpenCaseFilter } from '../../app/store.js'
import type { CaseFacts } from '../../domain/decide/case-facts.js'
import { GENESIS_HASH } from '../../domain/evidence-hash.js'
import type { Engagement } from '../../domain/decide/hold-for-person.js'
import {
  CLEAR_ATTENTION,
  engagementOf,
  engagementParams,
  LAST_CASE_IN_GROUP,
  LATEST_DRAFTS,
  PERSON_ENGAGED,
  RECENT_ATTENTION,
  SqlTx,
  SUPERSEDE_DRAFT_IDS,
  SUPERSEDE_DRAFTS,
  toCaseFacts,
  type EngagementRow,
  type LatestDraftRow,
} from './sql-store.js'
import { BatchReads, newestSummary, type BatchScope } from './batch-reads.js'
import { AttentionEntity, CaseEntity, DraftEntity, MessageEntity, SendEntity, type MessageRow, type SendRow } from './core-entities.js'
import { attentionRow, handledRow, newSendRow, toCaseRecord } from './core-rows.js'
import { chainNext, insertEvents, type ChainedEvent } from './evidence-chain.js'
import { insertRows, updateRows, type BuiltSql } from './entity-columns.js'
import { fanoutStateRow, inboundCounts, latestSummaryRow } from './notice-queries.js'
import type { Queryable } from './sql.js'
import { contactEventParam, contactEventParts } from './contact-event-sql.js'

/** More open cases than this for one batch: decide its messages one at a time instead. */
const MAX_PRELOAD = 5000
/** findOpenCases returns at most this many, newest first (as the SQL store does). */
const OPEN_CASES_LIMIT = 50
/**
 * Ids are taken from the sequences ahead of the inserts: ids must be known when a draft is
 * created (its number is in the review notice and the evidence), and a whole batch's count is
 * not known up front. Unused ones are skipped numbers, as after any rolled-back insert. Case and
 * draft numbers are what people type (`/approve 12`), so a batch takes them one at a time at
 * first: a lone message's draft gets the next number (chunks of 8 made them 8 apart). Each further
 * chunk doubles, so a large batch takes its ids in a few statements whatever its size, and a
 * caller that knows its batch is large says so (preload's `idChunks`).
 */
const ID_CHUNK: Record<IdTable, number> = { cases: 1, drafts: 1, sends: 8 }

type IdTable = 'cases' | 'drafts' | 'sends'

interface CachedCase {
  rec: CaseRecord
  /** the newest inbound image/file tied to the case (proof of material, see findOpenCases) */
  proofAt: Date | null
  head: { seq: number; hash: string }
  /** its drafts pending in the database and not yet superseded by this batch (read under the case's lock) */
  pending: Array<{ id: number; category: string }>
  isNew: boolean
  dirty: boolean
}

type Row = Record<string, unknown>

/** The open cases a batch's messages can concern, locked in id order (see preload). */
export const PRELOAD_SQL = `SELECT * FROM cases c
  WHERE (c.closed_at IS NULL AND (c.customer_key = ANY($1::text[]) OR c.order_no = ANY($3::text[]))) OR c.id = ANY($2::bigint[])
  ORDER BY c.id LIMIT $4 FOR NO KEY UPDATE`
// a case named by id is locked even when closed: a timer of a case closed meanwhile is stale, and
// finding that out must not cost a statement of its own (findOpenCases leaves closed ones out)

/**
 * Chain heads and proof are read in a statement of their own, after the rows are locked: in READ
 * COMMITTED a statement that waited for a lock sees the locked row's new version but its
 * subqueries still see the snapshot from before the wait, i.e. possibly an old chain head.
 */
export const HEADS_SQL = `SELECT c.id,
    (SELECT max(m.said_at) FROM messages m WHERE m.case_id = c.id AND m.type IN ('image','file') AND m.direction = 'inbound') AS proof_at,
    h.seq AS head_seq, h.hash AS head_hash,
    (SELECT coalesce(json_agg(json_build_object('id', d.id, 'category', d.category) ORDER BY d.id), '[]'::json)
       FROM drafts d WHERE d.case_id = c.id AND d.status = 'pending') AS pending_drafts
  FROM unnest($1::bigint[]) AS c(id)
  LEFT JOIN LATERAL (SELECT e.seq, e.hash FROM case_events e WHERE e.case_id = c.id ORDER BY e.seq DESC LIMIT 1) h ON true`

/**
 * The batch transaction over SQL (see BatchTx). Every case it touches is locked (preload,
 * findOpenCases or lockCase) before it is read, so what it keeps in memory is what the database
 * holds plus this batch's own changes; nothing is written until flush(), which runs in the same
 * transaction just before COMMIT, or earlier when a method that reads or writes the database
 * directly (sends, drafts by id) needs to see what the batch holds. No method is refused: a
 * single message or use case is a batch of one.
 */
export class SqlBatchTx implements BatchTx {
  private readonly cases = new Map<number, CachedCase>()
  /** cached cases by customer and by order number; dropped whenever a case is added or those fields change */
  private index: { byKey: Map<string, CachedCase[]>; byOrder: Map<string, CachedCase[]> } | null = null
  private readonly messages = new Map<number, BatchMessageFacts>()
  private covered: { keys: Set<string>; ids: Set<number>; orders: Set<string> } | null = null
  private readonly ids: Record<IdTable, number[]> = { cases: [], drafts: [], sends: [] }
  /** how many ids the next trip to each sequence takes */
  private readonly chunk: Record<IdTable, number> = { ...ID_CHUNK }
  /** drafts of locked cases to supersede when the batch is written (see supersedeDrafts) */
  private readonly superseded: Array<{ caseId: number; category: string; at: Date }> = []
  private readonly supersededIds: Array<{ ids: number[]; at: Date }> = []
  private readonly newDrafts: Array<DraftRecord> = []
  /** latestDraft's answers for the held cases, per category list */
  private latestDrafts: { key: string; found: Map<number, { id: number; status: DraftStatus }> } | null = null
  private readonly newSends: Array<Partial<SendRow> & { id: number; createdAt: Date }> = []
  private readonly events: ChainedEvent[] = []
  private readonly handled: Array<Partial<MessageRow>> = []
  private readonly contactEvents: CaseContactEvent[] = []
  /** the case each group's messages in this batch were last tied to */
  private readonly lastByGroup = new Map<string, { caseId: number; at: Date }>()
  private readonly attention: Array<NewAttention & { cleared?: { at: Date; by: string; note: string } }> = []
  /**
   * Summaries written before this batch that it rewrites: the last text of each is written with
   * the flush, in one statement for all (a flooded group rewrote its summary once per message,
   * a statement each: a fifth of the benchmark's statements). One claimed meanwhile is not
   * rewritten: its replacement is queued instead, as rewriteSummary promises.
   */
  private readonly rewrites = new Map<number, { text: string; instead: { send: NewSend; at: Date } | null }>()

  private plain: SqlTx | null = null
  private scope: BatchScope | null = null
  private readonly reads: BatchReads

  constructor(private readonly q: Queryable) {
    this.reads = new BatchReads(q, () => (this.scope ??= this.messageScope()))
  }

  /** The groups and direct-chat senders of the batch's messages (known once preload has run). */
  private messageScope(): BatchScope {
    const groups = new Set<string>()
    const directTalkers = new Set<string>()
    for (const m of this.messages.values()) {
      if (m.groupKey !== null) groups.add(m.groupKey)
      else directTalkers.add(m.talkerId)
    }
    return { groups, directTalkers }
  }

  async preload(filter: OpenCaseFilter, messages: readonly BatchMessageFacts[], opts: { idChunks?: Partial<Record<IdTable, number>> } = {}): Promise<boolean> {
    for (const m of messages) this.messages.set(m.id, m)
    if (messages.length > 0) this.scope = null
    for (const [table, n] of Object.entries(opts.idChunks ?? {}) as Array<[IdTable, number]>) this.chunk[table] = Math.max(this.chunk[table], n)
    const keys = [...new Set(filter.customerKeys ?? [])]
    const ids = [...new Set(filter.caseIds ?? [])]
    const orders = [...new Set(filter.orderNumbers ?? [])]
    // ordered by id: two batches (or a timer batch) locking overlapping cases cannot deadlock.
    // NO KEY UPDATE: as exclusive as lockCase's FOR UPDATE for every other locker, but it does
    // not block other transactions inserting rows that merely refer to these cases.
    const rows: Row[] = await this.q.query(PRELOAD_SQL, [keys, ids, orders, MAX_PRELOAD + 1])
    if (rows.length > MAX_PRELOAD) return false
    await this.cache(rows)
    const cov = (this.covered ??= { keys: new Set(), ids: new Set(), orders: new Set() })
    for (const k of keys) cov.keys.add(k)
    for (const i of ids) cov.ids.add(i)
    for (const o of orders) cov.orders.add(o)
    return true
  }

  async findOpenCases(f: OpenCaseFilter): Promise<CaseFacts[]> {
    const keys = new Set(f.customerKeys ?? [])
    const ids = new Set(f.caseIds ?? [])
    const orders = new Set(f.orderNumbers ?? [])
    await this.cover(keys, ids, orders)
    // through the index: scanning every cached case for every message of a batch of 200 was a
    // visible share of deciding in the benchmark's profile
    const index = this.caseIndex()
    const found = new Set<CachedCase>()
    for (const k of keys) for (const c of index.byKey.get(k) ?? []) found.add(c)
    for (const o of orders) for (const c of index.byOrder.get(o) ?? []) found.add(c)
    for (const i of ids) {
      const c = this.cases.get(i)
      if (c) found.add(c)
    }
    const hits = [...found].filter((c) => !c.rec.closedAt)
    hits.sort((a, b) => b.rec.updatedAt.getTime() - a.rec.updatedAt.getTime() || b.rec.id - a.rec.id)
    return hits.slice(0, OPEN_CASES_LIMIT).map(({ rec, proofAt }) => toCaseFacts(rec, proofAt !== null && proofAt.getTime() >= rec.stateEnteredAt.getTime()))
  }

  /**
   * Loads and locks the open cases of whatever the batch has not preloaded yet (a batch of one
   * preloads nothing): from then on they are answered from memory like preloaded ones.
   */
  private async cover(keys: Set<string>, ids: Set<number>, orders: Set<string>): Promise<void> {
    const cov = this.covered
    const missing = {
      customerKeys: [...keys].filter((k) => !cov?.keys.has(k)),
      caseIds: [...ids].filter((i) => !cov?.ids.has(i)),
      orderNumbers: [...orders].filter((o) => !cov?.orders.has(o)),
    }
    if (missing.customerKeys.length + missing.caseIds.length + missing.orderNumbers.length === 0) return
    if (!(await this.preload(missing, []))) throw new Error(`batch transaction: more than ${MAX_PRELOAD} open cases to hold for one lookup`)
  }

  private caseIndex(): { byKey: Map<string, CachedCase[]>; byOrder: Map<string, CachedCase[]> } {
    if (this.index) return this.index
    const byKey = new Map<string, CachedCase[]>()
    const byOrder = new Map<string, CachedCase[]>()
    const add = (m: Map<string, CachedCase[]>, k: string, c: CachedCase) => {
      const list = m.get(k)
      if (list) list.push(c)
      else m.set(k, [c])
    }
    for (const c of this.cases.values()) {
      add(byKey, c.rec.customerKey, c)
      if (c.rec.orderNo !== null) add(byOrder, c.rec.orderNo, c)
    }
    this.index = { byKey, byOrder }
    return this.index
  }

  async lockCase(id: number): Promise<CaseRecord | null> {
    const c = await this.load(id)
    return c ? { ...c.rec } : null
  }

  async insertCase(c: Omit<CaseRecord, 'id'>): Promise<number> {
    const id = await this.nextId('cases')
    this.cases.set(id, { rec: { ...c, id }, proofAt: null, head: { seq: 0, hash: GENESIS_HASH }, pending: [], isNew: true, dirty: true })
    this.index = null
    return id
  }

  async updateCase(id: number, patch: CasePatch): Promise<void> {
    const c = await this.load(id)
    if (!c) return // as an UPDATE of a missing row: nothing
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as CasePatch
    c.rec = { ...c.rec, ...defined }
    c.dirty = true
    if (defined.customerKey !== undefined || defined.orderNo !== undefined) this.index = null
  }

  async insertDraft(d: Omit<DraftRecord, 'id'>): Promise<number> {
    const id = await this.nextId('drafts')
    this.newDrafts.push({ ...d, id })
    return id
  }

  async insertSend(s: NewSend, at: Date): Promise<number> {
    // a newer summary of the same key (the older one was found claimed): no replacement for that one
    if (s.summaryKey) for (const r of this.rewrites.values()) if (r.instead?.send.summaryKey === s.summaryKey) r.instead = null
    const id = await this.nextId('sends')
    this.newSends.push({ ...newSendRow(s, at, id), id, createdAt: at })
    return id
  }

  /** written with the batch's one flush statement, like evidence */
  async appendContactEvents(events: readonly CaseContactEvent[]): Promise<void> {
    this.contactEvents.push(...events)
  }

  async appendEvidence(caseId: number, e: NewEvidence): Promise<void> {
    const c = await this.load(caseId)
    if (!c) throw new Error(`batch transaction: evidence for unknown case ${caseId}`)
    const event = chainNext(c.head, caseId, e)
    this.events.push(event)
    c.head = { seq: event.seq, hash: event.hash }
  }

  async markMessageHandled(id: number, m: { caseId: number | null; intent: string | null; mode: string | null; classification: unknown; at: Date }): Promise<void> {
    this.handled.push(handledRow(id, m))
    // A photo tied to a case is proof for the batch's later messages. It counts for the state the
    // case is in now even if it was said before the batch's decision time (a state entered in
    // this batch is stamped with that time): arrival order is what the customer saw.
    const msg = this.messages.get(id)
    if (msg?.groupKey && m.caseId !== null) this.lastByGroup.set(msg.groupKey, { caseId: m.caseId, at: msg.saidAt })
    const c = m.caseId === null ? undefined : this.cases.get(m.caseId)
    if (msg && c && msg.direction === 'inbound' && (msg.type === 'image' || msg.type === 'file')) {
      const at = Math.max(msg.saidAt.getTime(), c.rec.stateEnteredAt.getTime())
      if (c.proofAt === null || at > c.proofAt.getTime()) c.proofAt = new Date(at)
    }
  }

  async lastCaseInGroup(groupKey: string, since: Date): Promise<number | null> {
    const mine = this.lastByGroup.get(groupKey)
    if (mine && mine.at >= since) {
      const c = await this.load(mine.caseId)
      if (c && !c.rec.closedAt) return mine.caseId
    }
    const rows: { case_id: string }[] = await this.q.query(LAST_CASE_IN_GROUP, [groupKey, since])
    return rows[0] ? Number(rows[0].case_id) : null
  }

  /**
   * This batch's own drafts are the newest. Written ones are read for every held case at the first
   * call, in one statement (a timer batch reminding many customers asks once); a held case's
   * drafts change only under its lock, which this batch holds.
   */
  async latestDraft(caseId: number, categories: readonly string[]): Promise<{ id: number; status: DraftStatus } | null> {
    const own = this.newDrafts.filter((d) => d.caseId === caseId && categories.includes(d.category)).at(-1)
    if (own) return { id: own.id, status: own.status }
    const key = categories.join(',')
    const held = this.cases.has(caseId)
    if (!held || this.latestDrafts?.key !== key) {
      const ids = held ? [...this.cases.keys()] : [caseId]
      const rows: LatestDraftRow[] = await this.q.query(LATEST_DRAFTS, [ids, categories])
      const found = new Map(rows.map((r) => [Number(r.case_id), { id: Number(r.id), status: r.status }]))
      if (!held) return found.get(caseId) ?? null
      this.latestDrafts = { key, found }
    }
    return this.latestDrafts.found.get(caseId) ?? null
  }

  /**
   * Drafts already written give way with the batch's other writes: a case the batch holds knows
   * its pending drafts (read under its lock, and no other transaction commits a draft's decision
   * without taking its case's lock, see decide-draft.ts), so no statement is needed to find them. For a case not held, at once
   * when the caller wants their ids, else by category at the flush (`report` false: a timer's
   * reminder). This batch's own drafts give way before they are written.
   */
  async supersedeDrafts(caseId: number, category: string, at: Date, report = true): Promise<number[]> {
    const ids: number[] = []
    const held = this.cases.get(caseId)
    if (held) {
      const gone = held.pending.filter((d) => d.category === category).map((d) => d.id)
      if (gone.length > 0) {
        held.pending = held.pending.filter((d) => d.category !== category)
        this.supersededIds.push({ ids: gone, at })
        if (report) ids.push(...gone)
      }
    } else if (report) {
      // TypeORM answers an UPDATE … RETURNING with [rows, affected], not the rows
      const [rows]: [{ id: string }[], number] = await this.q.query(SUPERSEDE_DRAFTS('$1', '$2', '$3'), [caseId, category, at])
      ids.push(...rows.map((r) => Number(r.id)))
    } else this.superseded.push({ caseId, category, at })
    for (const d of this.newDrafts) {
      if (d.caseId !== caseId || d.category !== category || d.status !== 'pending') continue
      Object.assign(d, { status: 'superseded', decidedBy: 'baton', decidedAt: at, decisionNote: 'superseded by a newer draft' })
      ids.push(d.id)
    }
    return ids
  }

  async fanoutState(about: NoticeAbout, since: Date, keys: { sender: string; group: string | null }): Promise<FanoutState> {
    const written = await this.writtenFanout(about, since, keys)
    const mine = this.newSends.filter((r) => r.createdAt >= since)
    const told = mine.filter((r) => r.summaryKey === null)
    const sender = told.filter((r) => r.aboutTalker === about.talkerId && r.aboutGroup === about.groupKey).length
    const group = about.groupKey === null ? 0 : told.filter((r) => r.aboutGroup === about.groupKey).length
    // a summary written in this batch is newer than any in the database, and still queued
    const summary = (key: string | null) => {
      const r = key === null ? undefined : mine.filter((x) => x.summaryKey === key).at(-1)
      return r ? { id: r.id, queued: true, createdAt: r.createdAt } : null
    }
    return { told: { sender: written.told.sender + sender, group: written.told.group + group }, sender: summary(keys.sender) ?? written.sender, group: summary(keys.group) ?? written.group }
  }

  /** The fan-out state the database holds, from the batch's one read of its groups' sends when that covers it. */
  private async writtenFanout(about: NoticeAbout, since: Date, keys: { sender: string; group: string | null }): Promise<FanoutState> {
    const rows = await this.reads.sendsAbout(about, since)
    if (!rows) return fanoutStateRow(this.q, about, since, keys)
    const told = rows.filter((r) => r.summaryKey === null)
    return {
      told: { sender: told.filter((r) => r.aboutTalker === about.talkerId).length, group: about.groupKey === null ? 0 : told.length },
      sender: newestSummary(rows, keys.sender),
      group: keys.group === null ? null : newestSummary(rows, keys.group),
    }
  }

  async latestSummary(about: NoticeAbout, key: string, since: Date): Promise<{ id: number; queued: boolean; createdAt: Date } | null> {
    const mine = this.newSends.filter((r) => r.summaryKey === key && r.createdAt >= since).at(-1)
    if (mine) return { id: mine.id, queued: true, createdAt: mine.createdAt }
    const rows = await this.reads.sendsAbout(about, since)
    return rows ? newestSummary(rows, key) : latestSummaryRow(this.q, key, since)
  }

  async rewriteSummary(sendId: number, text: string, instead: { send: NewSend; at: Date }): Promise<void> {
    const mine = this.newSends.find((r) => r.id === sendId)
    if (mine) mine.text = text
    else this.rewrites.set(sendId, { text, instead })
  }

  async messagesFrom(about: NoticeAbout, since: Date): Promise<{ sender: number; group: number; people: number }> {
    // recorded (and committed) before anything was decided
    return (await this.reads.inboundCounts(about, since)) ?? inboundCounts(this.q, about, since)
  }

  async insertAttention(a: NewAttention): Promise<void> {
    this.attention.push({ ...a })
  }

  async recentAttention(q: { groupKey: string | null; caseId: number | null; since: Date }): Promise<string[][]> {
    const written = (await this.reads.recentAttention(q, () => this.cases.keys())) ?? (await this.recentAttentionRows(q))
    const mine = this.attention.filter((a) => !a.cleared && a.notified && a.createdAt >= q.since && ((q.groupKey !== null && a.groupKey === q.groupKey) || (q.caseId !== null && a.caseId === q.caseId)))
    return [...written, ...mine.map((a) => a.reasons)]
  }

  private async recentAttentionRows(q: { groupKey: string | null; caseId: number | null; since: Date }): Promise<string[][]> {
    const rows: { reasons: string[] }[] = await this.q.query(RECENT_ATTENTION, [q.groupKey, q.caseId, q.since])
    return rows.map((r) => r.reasons)
  }

  async personEngaged(q: EngagementQuery): Promise<Engagement> {
    // this batch's own attention items and drafts are not written yet: they count too
    const told = this.attention.some((a) => !a.cleared && a.createdAt >= q.since && ((q.groupKey !== null && a.groupKey === q.groupKey) || (q.caseId !== null && a.caseId === q.caseId)))
    if (told || (q.caseId !== null && this.newDrafts.some((d) => d.caseId === q.caseId && d.status === 'pending' && q.categories.includes(d.category)))) return 'person'
    // a held case's pending drafts are known here (some may be superseded but not yet written)
    const held = q.caseId === null ? undefined : this.cases.get(q.caseId)
    if (held?.pending.some((d) => q.categories.includes(d.category))) return 'person'
    const rows: EngagementRow[] = await this.q.query(PERSON_ENGAGED, engagementParams(q, held !== undefined))
    const found = engagementOf(rows[0])
    if (found === 'person') return found
    // the message before it may be this batch's own, its reading not written yet
    const before = this.previousInBatch(q)
    return before === undefined ? found : before ? 'side_talk' : null
  }

  /** Whether the group's message before this one, if this batch holds it, is another customer-side member's question. */
  private previousInBatch(q: EngagementQuery): boolean | undefined {
    let prev: { msg: BatchMessageFacts; handled: Partial<MessageRow> } | undefined
    for (const h of this.handled) {
      const msg = h.id === undefined ? undefined : this.messages.get(h.id)
      if (!msg || msg.groupKey !== q.groupKey || h.id === q.messageId || msg.saidAt < q.since || msg.saidAt > q.until) continue
      if (!prev || msg.saidAt > prev.msg.saidAt || (msg.saidAt.getTime() === prev.msg.saidAt.getTime() && msg.id > prev.msg.id)) prev = { msg, handled: h }
    }
    if (!prev) return undefined
    const asks = (prev.handled.classification as { asks?: unknown } | null)?.asks === true
    return prev.msg.direction === 'inbound' && prev.msg.talkerId !== q.talkerId && (prev.msg.talkerRole === 'customer_contact' || prev.msg.talkerRole === 'executor') && asks
  }

  async clearAttention(scope: AttentionScope, by: { by: string; note: string; at: Date }): Promise<number[]> {
    // items already written are cleared now; this batch's own are cleared before they are written
    const rows: { case_id: string }[] = await this.q.query(CLEAR_ATTENTION, [scope.caseId ?? null, scope.groupKey ?? null, scope.id ?? null, by.at, by.by, by.note])
    this.reads.attentionCleared()
    const left = new Set(rows.map((r) => Number(r.case_id)))
    const mine = new Set<number>()
    for (const a of this.attention) {
      if (a.cleared || !((scope.caseId !== undefined && a.caseId === scope.caseId) || (scope.groupKey !== undefined && a.groupKey === scope.groupKey))) continue
      a.cleared = by
      if (a.caseId !== null) mine.add(a.caseId)
    }
    // as in a plain transaction, a case counts only when nothing of it is left open: neither an
    // item written before (say, from another group) nor one of this batch's own
    const unsure = [...mine].filter((id) => !left.has(id))
    if (unsure.length > 0) {
      const open: { case_id: string }[] = await this.q.query(`SELECT DISTINCT case_id FROM attention_items WHERE cleared_at IS NULL AND case_id = ANY($1::bigint[])`, [unsure])
      const stillOpen = new Set(open.map((r) => Number(r.case_id)))
      for (const id of unsure) if (!stillOpen.has(id)) left.add(id)
    }
    return [...left].filter((id) => !this.attention.some((a) => !a.cleared && a.caseId === id))
  }

  /**
   * Writes everything this batch holds in one statement, a part per table. RI checks run at its
   * end, so a row may refer to one inserted beside it; its parts share one snapshot, so the
   * drafts it supersedes are never the ones it inserts.
   */
  async flush(): Promise<void> {
    const all = [...this.cases.values()]
    const parts: string[] = []
    const params: unknown[] = []
    const add = (built: BuiltSql | null) => {
      if (!built || built.columns.length === 0) return
      params.push(built.value)
      parts.push(`w${parts.length} AS (${built.sql})`)
    }
    const next = () => `$${params.length + 1}`
    for (const s of this.supersededIds) {
      parts.push(`w${parts.length} AS (${SUPERSEDE_DRAFT_IDS(`$${params.length + 1}`, `$${params.length + 2}`)})`)
      params.push(s.ids, s.at)
    }
    for (const s of this.superseded) {
      parts.push(`w${parts.length} AS (${SUPERSEDE_DRAFTS(`$${params.length + 1}`, `$${params.length + 2}`, `$${params.length + 3}`)})`)
      params.push(s.caseId, s.category, s.at)
    }
    add(
      insertRows(
        CaseEntity,
        all.filter((c) => c.isNew).map((c) => c.rec),
        next(),
      ),
    )
    // every field of the record: a changed case is rewritten whole (its record is what the batch holds)
    add(
      updateRows(
        CaseEntity,
        all.filter((c) => c.dirty && !c.isNew).map((c) => c.rec),
        next(),
      ),
    )
    add(insertRows(DraftEntity, this.newDrafts, next()))
    add(insertRows(SendEntity, this.newSends, next()))
    add(insertEvents(this.events, next()))
    add(
      insertRows(
        AttentionEntity,
        this.attention.map((a) => attentionRow(a, a.cleared)),
        next(),
        'ON CONFLICT (message_id) DO NOTHING',
      ),
    )
    add(updateRows(MessageEntity, this.handled, next()))
    const rewrites = [...this.rewrites]
    this.rewrites.clear()
    const rewrite = updateRows(
      SendEntity,
      rewrites.map(([id, r]) => ({ id, text: r.text })),
      next(),
    )
    // the worker's claim takes the same row lock and re-checks `queued`: one row is either rewritten or claimed
    if (rewrite) add({ ...rewrite, sql: `${rewrite.sql} AND t.status = 'queued' RETURNING t.id` })
    const rewritten = rewrite ? `w${parts.length - 1}` : null
    if (this.contactEvents.length > 0) {
      parts.push(...contactEventParts(next(), 'ce'))
      params.push(contactEventParam(this.contactEvents))
    }
    const done: Array<{ id: string }> = parts.length > 0 ? await this.q.query(`WITH ${parts.join(',\n')} SELECT ${rewritten ? `id FROM ${rewritten}` : '1'}`, params) : []
    // written: what is read from here on comes from the database, and a later flush writes only what came after
    for (const c of all) {
      c.isNew = false
      c.dirty = false
    }
    // drafts written pending are what a later supersede in this transaction must find
    for (const d of this.newDrafts) if (d.status === 'pending' && d.caseId !== null) this.cases.get(d.caseId)?.pending.push({ id: d.id, category: d.category })
    this.reads.written()
    for (const pending of [this.newDrafts, this.newSends, this.events, this.attention, this.handled, this.superseded, this.supersededIds, this.contactEvents]) pending.length = 0
    if (rewritten) await this.replaceClaimed(rewrites, new Set(done.map((r) => Number(r.id))))
  }

  /** Summaries claimed before the flush could rewrite them: their replacements are queued now (rare: a race with the worker). */
  private async replaceClaimed(rewrites: ReadonlyArray<[number, { instead: { send: NewSend; at: Date } | null }]>, rewritten: ReadonlySet<number>): Promise<void> {
    const rows: Array<Partial<SendRow>> = []
    for (const [id, r] of rewrites) if (r.instead && !rewritten.has(id)) rows.push(newSendRow(r.instead.send, r.instead.at, await this.nextId('sends')))
    if (rows.length === 0) return
    const { sql, value } = insertRows(SendEntity, rows, '$1')
    await this.q.query(sql, [value])
  }

  // --- the rest of the port reads and writes through to the database, in the same transaction,
  // after writing what the batch holds so far (so they see it); nothing is refused, a batch of one
  // serves every use case. On the message path these are never called, so nothing is flushed early.

  async lockDraft(id: number): Promise<DraftRecord | null> {
    return (await this.direct()).lockDraft(id)
  }
  async updateDraft(id: number, patch: Partial<Omit<DraftRecord, 'id'>>): Promise<void> {
    await (await this.direct()).updateDraft(id, patch)
    // a draft decided here is no longer one a newer draft supersedes
    if (patch.status !== undefined && patch.status !== 'pending') for (const c of this.cases.values()) c.pending = c.pending.filter((d) => d.id !== id)
  }
  async claimSend(id: number): Promise<ClaimedSend | null> {
    return (await this.direct()).claimSend(id)
  }
  async releaseSend(id: number, reason: string): Promise<void> {
    return (await this.direct()).releaseSend(id, reason)
  }
  async lockInDoubtSends(claimedBefore: Date, limit: number): Promise<Array<SendRecord & { claimedAt: Date | null }>> {
    return (await this.direct()).lockInDoubtSends(claimedBefore, limit)
  }
  async findOutboundEcho(q: { sendId: number; groupKey: string | null; text: string; saidAfter: Date }): Promise<string | null> {
    return (await this.direct()).findOutboundEcho(q)
  }
  async sendStatus(id: number): Promise<string | null> {
    return (await this.direct()).sendStatus(id)
  }
  async finishSend(id: number, r: { status: 'sent' | 'failed' | 'queued' | 'unknown'; wecomMessageId: string | null; error: string | null; at: Date }, opts?: { lockCase?: number }): Promise<void> {
    if (opts?.lockCase !== undefined && !this.cases.has(opts.lockCase)) await this.load(opts.lockCase)
    return (await this.direct()).finishSend(id, r)
  }
  async draftSend(draftId: number): Promise<(SendRecord & { wecomMessageId: string | null; recalledAt: Date | null }) | null> {
    return (await this.direct()).draftSend(draftId)
  }
  async markRecalled(sendId: number, result: 'recalled' | 'not_recalled', at: Date): Promise<void> {
    return (await this.direct()).markRecalled(sendId, result, at)
  }
  async attachAttention(customerKey: string, caseId: number): Promise<number> {
    return (await this.direct()).attachAttention(customerKey, caseId)
  }

  /** The plain transaction over the same connection, once what this batch holds is written. */
  private async direct(): Promise<SqlTx> {
    await this.flush()
    return (this.plain ??= new SqlTx(this.q))
  }

  /** The locked, cached case; locks and loads it when the batch has not seen it yet. */
  private async load(id: number): Promise<CachedCase | null> {
    let hit = this.cases.get(id)
    // preloaded by id and not found: there is no such case (preload locks closed ones too)
    if (!hit && this.covered?.ids.has(id)) return null
    if (!hit) {
      const rows: Row[] = await this.q.query(`SELECT * FROM cases WHERE id = $1 FOR UPDATE`, [id])
      await this.cache(rows)
      hit = this.cases.get(id)
    }
    // a case this batch holds (preloaded, or locked later, e.g. a group's last case) may be looked
    // up by id like a preloaded one; without this the whole batch fell back to one by one
    if (hit) this.covered?.ids.add(id)
    return hit ?? null
  }

  /** Caches locked case rows with their chain heads and proof, read after the lock. */
  private async cache(locked: Row[]): Promise<void> {
    // a case held already may carry this batch's changes: what the database has is older
    const rows = locked.filter((r) => !this.cases.has(Number(r['id'])))
    if (rows.length === 0) return
    const heads: Row[] = await this.q.query(HEADS_SQL, [rows.map((r) => r['id'])])
    const byId = new Map(heads.map((h) => [Number(h['id']), h]))
    for (const r of rows) {
      const rec = toCaseRecord(r)
      const h = byId.get(rec.id)
      const seq = h?.['head_seq'] === null || h?.['head_seq'] === undefined ? 0 : Number(h['head_seq'])
      this.index = null
      const pending = ((h?.['pending_drafts'] as Array<{ id: number | string; category: string }> | undefined) ?? []).map((d) => ({ id: Number(d.id), category: d.category }))
      this.cases.set(rec.id, { rec, proofAt: (h?.['proof_at'] as Date | null) ?? null, head: { seq, hash: (h?.['head_hash'] as string | null) ?? GENESIS_HASH }, pending, isNew: false, dirty: false })
    }
  }

  private async nextId(table: IdTable): Promise<number> {
    const pool = this.ids[table]
    if (pool.length === 0) {
      // send ids are nobody's to read: they come along with a case's or draft's, one round trip for both
      const tables: IdTable[] = table !== 'sends' && this.ids.sends.length === 0 ? [table, 'sends'] : [table]
      const rows: Array<{ t: IdTable; id: string }> = await this.q.query(`SELECT v.t, nextval(pg_get_serial_sequence(v.t, 'id')) AS id FROM unnest($1::text[], $2::int[]) AS v(t, n), generate_series(1, v.n)`, [
        tables,
        tables.map((t) => this.chunk[t]),
      ])
      for (const t of tables) {
        this.ids[t].push(...rows.filter((r) => r.t === t).map((r) => Number(r.id)))
        this.ids[t].sort((a, b) => a - b)
        this.chunk[t] *= 2
      }
    }
    return pool.shift()!
  }
}
