import type { NoticeAbout } from '../../app/case-record.js'
import type { Queryable } from './sql.js'

/**
 * The fan-out and attention reads of a batch transaction, one statement each for all the groups
 * and senders of the batch instead of one per message (PostgreSQL's statement log of the
 * benchmark counted ~1.5 such reads a message, each a round trip inside the batch's transaction;
 * without them ingest took 1.3–1.5 ms of CPU a message instead of ~2).
 *
 * A read is answered from memory only when the loaded rows cover it: the group or direct-chat
 * sender is one of the batch's, any case asked about was held when the rows were read, and the
 * window starts no earlier than the loaded one (a batch decides at one `now`, so it is the same).
 * Anything else returns undefined and the caller reads the database as it did before. What the
 * batch itself adds is kept by the batch (SqlBatchTx) and merged there; once the batch writes it
 * (flush), the sends and attention rows here are stale and are dropped.
 */

/** Where the batch's messages were said: groups, and senders of direct chats. */
export interface BatchScope {
  groups: ReadonlySet<string>
  directTalkers: ReadonlySet<string>
}

interface AttentionRow {
  groupKey: string | null
  caseId: number | null
  reasons: string[]
  createdAt: Date
}

export interface CachedSend {
  id: number
  status: string
  createdAt: Date
  aboutTalker: string | null
  aboutGroup: string | null
  summaryKey: string | null
}

type Loaded<T> = { since: number; rows: T }

/** Rows by a key of theirs: a batch asks about each of its groups many times, and scanning every row each time showed in the profile. */
function groupBy<T>(rows: readonly T[], key: (r: T) => string | null): Map<string | null, T[]> {
  const out = new Map<string | null, T[]>()
  for (const r of rows) {
    const k = key(r)
    const list = out.get(k)
    if (list) list.push(r)
    else out.set(k, [r])
  }
  return out
}

/** Sends are filed under their group, or under the sender for a direct chat. */
const sendKey = (about: { groupKey: string | null; talkerId: string | null }): string => (about.groupKey !== null ? `g:${about.groupKey}` : `t:${about.talkerId}`)

/** Open, notified items of the scope's groups and the held cases (each branch on its own index). */
const ATTENTION_IN_SCOPE = `SELECT id, group_key, case_id, reasons, created_at FROM attention_items
    WHERE cleared_at IS NULL AND notified AND created_at >= $3 AND group_key = ANY($1::text[])
  UNION
  SELECT id, group_key, case_id, reasons, created_at FROM attention_items
    WHERE cleared_at IS NULL AND notified AND created_at >= $3 AND case_id = ANY($2::bigint[])`

/** Notices and summaries about the scope's groups and direct-chat senders (sends_about_*_idx). */
const SENDS_IN_SCOPE = `SELECT id, status, created_at, about_talker, about_group, summary_key FROM sends
    WHERE about_group = ANY($1::text[]) AND created_at >= $3
  UNION ALL
  SELECT id, status, created_at, about_talker, about_group, summary_key FROM sends
    WHERE about_group IS NULL AND about_talker = ANY($2::text[]) AND created_at >= $3`

/** Inbound messages per group and sender since $3 (messages_group_said_idx, messages_talker_said_idx). */
const INBOUND_IN_SCOPE = `SELECT group_key, talker_id, count(*)::int AS n FROM messages
    WHERE group_key = ANY($1::text[]) AND direction = 'inbound' AND said_at >= $3 GROUP BY group_key, talker_id
  UNION ALL
  SELECT NULL, talker_id, count(*)::int FROM messages
    WHERE group_key IS NULL AND talker_id = ANY($2::text[]) AND direction = 'inbound' AND said_at >= $3 GROUP BY talker_id`

export class BatchReads {
  private attention: (Loaded<{ byGroup: Map<string | null, AttentionRow[]>; byCase: Map<string | null, AttentionRow[]> }> & { cases: Set<number> }) | null = null
  private sends: Loaded<Map<string | null, CachedSend[]>> | null = null
  private inbound: Loaded<Map<string, Map<string, number>>> | null = null

  constructor(
    private readonly q: Queryable,
    private readonly scope: () => BatchScope,
  ) {}

  /** What the batch writes makes the loaded sends and attention items incomplete. */
  written(): void {
    this.attention = null
    this.sends = null
  }

  /** Items cleared in the database (a person acted) are no longer open: read them again. */
  attentionCleared(): void {
    this.attention = null
  }

  private covers(about: { groupKey: string | null; talkerId?: string }): boolean {
    const s = this.scope()
    return about.groupKey !== null ? s.groups.has(about.groupKey) : about.talkerId !== undefined && s.directTalkers.has(about.talkerId)
  }

  private params(since: Date): [string[], string[], Date] | null {
    const s = this.scope()
    return s.groups.size + s.directTalkers.size === 0 ? null : [[...s.groups], [...s.directTalkers], since]
  }

  /** Reasons of the open items told for the group or case since `since`; undefined: not covered. */
  async recentAttention(q: { groupKey: string | null; caseId: number | null; since: Date }, heldCases: () => Iterable<number>): Promise<string[][] | undefined> {
    if (q.groupKey !== null && !this.covers({ groupKey: q.groupKey })) return undefined
    const fresh = this.attention === null || q.since.getTime() < this.attention.since
    if (fresh) {
      const p = this.params(q.since)
      if (!p) return undefined
      const cases = [...heldCases()]
      const rows: Array<{ group_key: string | null; case_id: string | null; reasons: string[]; created_at: Date }> = await this.q.query(ATTENTION_IN_SCOPE, [p[0], cases, p[2]])
      const items = rows.map((r) => ({ groupKey: r.group_key, caseId: r.case_id === null ? null : Number(r.case_id), reasons: r.reasons, createdAt: r.created_at }))
      this.attention = {
        since: q.since.getTime(),
        cases: new Set(cases),
        rows: { byGroup: groupBy(items, (r) => r.groupKey), byCase: groupBy(items, (r) => (r.caseId === null ? null : String(r.caseId))) },
      }
    }
    const a = this.attention!
    if (q.caseId !== null && !a.cases.has(q.caseId)) return undefined
    // an item of both the group and the case is one item
    const found = new Set<AttentionRow>()
    for (const r of q.groupKey === null ? [] : (a.rows.byGroup.get(q.groupKey) ?? [])) if (r.createdAt >= q.since) found.add(r)
    for (const r of q.caseId === null ? [] : (a.rows.byCase.get(String(q.caseId)) ?? [])) if (r.createdAt >= q.since) found.add(r)
    return [...found].map((r) => r.reasons)
  }

  /** The written notices and summaries about this sender's group or chat since `since`; undefined: not covered. */
  async sendsAbout(about: NoticeAbout, since: Date): Promise<CachedSend[] | undefined> {
    if (!this.covers(about)) return undefined
    if (this.sends === null || since.getTime() < this.sends.since) {
      const p = this.params(since)
      if (!p) return undefined
      const rows: Array<{ id: string; status: string; created_at: Date; about_talker: string | null; about_group: string | null; summary_key: string | null }> = await this.q.query(SENDS_IN_SCOPE, p)
      const sends = rows.map((r) => ({ id: Number(r.id), status: r.status, createdAt: r.created_at, aboutTalker: r.about_talker, aboutGroup: r.about_group, summaryKey: r.summary_key }))
      this.sends = { since: since.getTime(), rows: groupBy(sends, (r) => sendKey({ groupKey: r.aboutGroup, talkerId: r.aboutTalker })) }
    }
    return (this.sends.rows.get(sendKey(about)) ?? []).filter((r) => r.createdAt >= since)
  }

  /** Inbound messages since `since` from the sender in its group, in the group, and how many people; undefined: not covered. */
  async inboundCounts(about: NoticeAbout, since: Date): Promise<{ sender: number; group: number; people: number } | undefined> {
    if (!this.covers(about)) return undefined
    // counts cannot be narrowed to a later window: only the window they were read for is answered
    if (this.inbound !== null && since.getTime() !== this.inbound.since) return undefined
    if (this.inbound === null) {
      const p = this.params(since)
      if (!p) return undefined
      const rows: Array<{ group_key: string | null; talker_id: string; n: number }> = await this.q.query(INBOUND_IN_SCOPE, p)
      const byGroup = new Map<string, Map<string, number>>()
      for (const r of rows) {
        const key = r.group_key === null ? `\u0000${r.talker_id}` : r.group_key
        const m = byGroup.get(key) ?? new Map<string, number>()
        m.set(r.talker_id, r.n)
        byGroup.set(key, m)
      }
      this.inbound = { since: since.getTime(), rows: byGroup }
    }
    if (about.groupKey === null) {
      const n = this.inbound.rows.get(`\u0000${about.talkerId}`)?.get(about.talkerId) ?? 0
      return { sender: n, group: n, people: 1 }
    }
    const talkers = this.inbound.rows.get(about.groupKey) ?? new Map<string, number>()
    let group = 0
    for (const n of talkers.values()) group += n
    return { sender: talkers.get(about.talkerId) ?? 0, group, people: talkers.size }
  }
}

/** The newest summary with this key among `rows` (as latestSummaryRow orders them). */
export function newestSummary(rows: readonly CachedSend[], key: string): { id: number; queued: boolean; createdAt: Date } | null {
  let best: CachedSend | null = null
  for (const r of rows) {
    if (r.summaryKey !== key) continue
    if (!best || r.createdAt > best.createdAt || (r.createdAt.getTime() === best.createdAt.getTime() && r.id > best.id)) best = r
  }
  return best ? { id: best.id, queued: best.status === 'queued', createdAt: best.createdAt } : null
}
