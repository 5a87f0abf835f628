import type { DataSource, EntityManager } from 'typeorm'
import type { NewSend } from '../../app/case-record.js'
import type {
  ChurnFactsQuery,
  ChurnStore,
  ChurnTaskEvent,
  ChurnTaskFilter,
  ChurnTaskView,
  ChurnTx,
  ChurnWeekRow,
  ContactChurnFacts,
  FlowWeekRow,
  FunnelRow,
  NewChurnTask,
  SopWeekRow,
} from '../../app/growth/churn-ports.js'
import { CHURN_OUTCOMES, type ChurnOutcome, type ChurnReason } from '../../domain/growth/churn-score.js'
import { ChurnTaskEntity, ChurnTaskEventEntity } from './churn-entities.js'
import { ContactEventEntity } from './growth-entities.js'
import { flowWeeks, sopWeeks } from './sop-flow-figures.js'
import type { NewContactEvent } from '../../app/growth/growth-ports.js'
import { SqlTx } from './sql-store.js'

const DAY = 86_400_000
/** the channels a contact's own messages arrive on (as note-contact-activity counts them) */
const CONTACT_CHANNELS = ['customer', 'public_customer', 'direct']

/**
 * Every fact of the churn score for a slice of contacts in one statement: message counts in the
 * two windows (messages_talker_said_idx), typed groups left, complaint and negative signals on
 * attention items, open stalled cases they spoke in, the latest case's owner, and task state.
 * The slice's ids come as arrays (= ANY): index scans whatever the planner guesses of a CTE.
 */
const FACTS_SQL = `
WITH c AS (SELECT id, wecom_id, name, created_at, last_inbound_at FROM contacts WHERE id = ANY($1::bigint[])),
m AS (
  SELECT talker_id, count(*) FILTER (WHERE said_at >= $4) AS recent, count(*) FILTER (WHERE said_at < $4) AS previous
    FROM messages
   WHERE talker_id = ANY($2::text[]) AND direction = 'inbound' AND channel = ANY($9) AND said_at >= $5 AND said_at < $3
   GROUP BY talker_id),
l AS (
  SELECT contact_id, array_agg(DISTINCT group_key) AS groups FROM contact_events
   WHERE contact_id = ANY($1::bigint[]) AND kind = 'left_group' AND at >= $4 AND at < $3 AND group_key = ANY($6)
   GROUP BY contact_id),
a AS (
  SELECT talker_id, count(*) FILTER (WHERE 'complaint' = ANY(reasons)) AS complaints, count(*) FILTER (WHERE reasons && $8) AS negative
    FROM attention_items
   WHERE talker_id = ANY($2::text[]) AND created_at >= $4 AND created_at < $3
   GROUP BY talker_id),
s AS (
  SELECT mm.talker_id, array_agg(DISTINCT k.id) AS cases
    FROM cases k JOIN messages mm ON mm.case_id = k.id AND mm.direction = 'inbound'
   WHERE k.closed_at IS NULL AND (k.updated_at < $7 OR k.attention_since IS NOT NULL) AND mm.talker_id = ANY($2::text[])
   GROUP BY mm.talker_id),
o AS (
  SELECT DISTINCT ON (mm.talker_id) mm.talker_id, k.owner_id
    FROM messages mm JOIN cases k ON k.id = mm.case_id
   WHERE mm.talker_id = ANY($2::text[]) AND mm.case_id IS NOT NULL
   ORDER BY mm.talker_id, k.created_at DESC),
t AS (
  SELECT contact_id, bool_or(closed_at IS NULL) AS open, max(closed_at) AS last_closed FROM churn_tasks
   WHERE contact_id = ANY($1::bigint[]) GROUP BY contact_id)
SELECT c.id, c.name, c.created_at, c.last_inbound_at, COALESCE(m.recent, 0)::int AS recent, COALESCE(m.previous, 0)::int AS previous,
       COALESCE(l.groups, '{}') AS left_groups, COALESCE(a.complaints, 0)::int AS complaints, COALESCE(a.negative, 0)::int AS negative,
       COALESCE(s.cases, '{}') AS stalled, o.owner_id, COALESCE(t.open, false) AS open, t.last_closed
  FROM c LEFT JOIN m ON m.talker_id = c.wecom_id LEFT JOIN l ON l.contact_id = c.id LEFT JOIN a ON a.talker_id = c.wecom_id
  LEFT JOIN s ON s.talker_id = c.wecom_id LEFT JOIN o ON o.talker_id = c.wecom_id LEFT JOIN t ON t.contact_id = c.id
 ORDER BY c.id`

interface FactsRow {
  id: string
  name: string
  created_at: Date
  last_inbound_at: Date | null
  recent: number
  previous: number
  left_groups: string[]
  complaints: number
  negative: number
  stalled: string[]
  owner_id: string | null
  open: boolean
  last_closed: Date | null
}

interface TaskRow {
  id: string
  contact_id: string
  contact_name: string
  owner_id: string | null
  score: number
  reasons: ChurnReason[]
  opened_at: Date
  closed_at: Date | null
  closed_by: string | null
  outcome: string | null
  close_note: string | null
}

const TASK_SELECT = `SELECT t.*, c.name AS contact_name FROM churn_tasks t JOIN contacts c ON c.id = t.contact_id`

const taskView = (r: TaskRow): ChurnTaskView => ({
  id: Number(r.id),
  contactId: Number(r.contact_id),
  contactName: r.contact_name,
  ownerId: r.owner_id,
  score: r.score,
  reasons: r.reasons,
  openedAt: r.opened_at,
  closedAt: r.closed_at,
  closedBy: r.closed_by,
  outcome: (CHURN_OUTCOMES as readonly string[]).includes(r.outcome ?? '') ? (r.outcome as ChurnOutcome) : null,
  closeNote: r.close_note,
})

/** ISO week label of a timestamp, as PostgreSQL writes it (UTC) */
const WEEK = `to_char(date_trunc('week', %s AT TIME ZONE 'UTC'), 'IYYY-"W"IW')`
const week = (col: string) => WEEK.replace('%s', col)

/** Churn facts, intervention tasks and the growth funnels on PostgreSQL. */
export class SqlChurnStore implements ChurnStore {
  constructor(private readonly ds: DataSource) {}

  transaction<T>(fn: (tx: ChurnTx) => Promise<T>): Promise<T> {
    return this.ds.transaction((m) => fn(new SqlChurnTx(m)))
  }

  async churnFacts(q: ChurnFactsQuery, afterId: number, limit: number): Promise<ContactChurnFacts[]> {
    const recentFrom = new Date(q.now.getTime() - q.windowDays * DAY)
    const previousFrom = new Date(q.now.getTime() - 2 * q.windowDays * DAY)
    const stalledBefore = new Date(q.now.getTime() - q.stalledAfterDays * DAY)
    const slice = (await this.ds.query(`SELECT id, wecom_id FROM contacts WHERE id > $1 ORDER BY id LIMIT $2`, [afterId, limit])) as { id: string; wecom_id: string }[]
    if (slice.length === 0) return []
    const rows: FactsRow[] = await this.ds.query(FACTS_SQL, [
      slice.map((r) => r.id),
      slice.map((r) => r.wecom_id),
      q.now,
      recentFrom,
      previousFrom,
      q.typedGroups,
      stalledBefore,
      q.negativeSignals,
      CONTACT_CHANNELS,
    ])
    return rows.map((r) => ({
      contactId: Number(r.id),
      name: r.name,
      ownerId: r.owner_id,
      lastClosedAt: r.last_closed,
      hasOpenTask: r.open,
      lastInboundAt: r.last_inbound_at,
      firstSeenAt: r.created_at,
      recentMessages: r.recent,
      previousMessages: r.previous,
      leftTypedGroups: r.left_groups,
      stalledCases: r.stalled.map(Number),
      complaints: r.complaints,
      negativeMessages: r.negative,
    }))
  }

  async listTasks(f: ChurnTaskFilter): Promise<{ items: ChurnTaskView[]; total: number }> {
    const where = [f.status === 'open' ? 't.closed_at IS NULL' : f.status === 'closed' ? 't.closed_at IS NOT NULL' : 'true', f.ownerId !== undefined ? 't.owner_id = $3' : 'true'].join(' AND ')
    const params: unknown[] = [f.limit, f.offset, ...(f.ownerId !== undefined ? [f.ownerId] : [])]
    const rows: TaskRow[] = await this.ds.query(`${TASK_SELECT} WHERE ${where} ORDER BY t.opened_at DESC, t.id DESC LIMIT $1 OFFSET $2`, params)
    const [n] = (await this.ds.query(`SELECT count(*)::int AS n FROM churn_tasks t WHERE ${where.replace('$3', '$1')}`, f.ownerId !== undefined ? [f.ownerId] : [])) as { n: number }[]
    return { items: rows.map(taskView), total: n?.n ?? 0 }
  }

  async task(id: number): Promise<ChurnTaskView | null> {
    const rows: TaskRow[] = await this.ds.query(`${TASK_SELECT} WHERE t.id = $1`, [id])
    return rows[0] ? taskView(rows[0]) : null
  }

  async taskEvents(id: number): Promise<ChurnTaskEvent[]> {
    const rows = await this.ds.getRepository(ChurnTaskEventEntity).find({ where: { taskId: String(id) }, order: { id: 'ASC' } })
    return rows.map((r) => ({ kind: r.kind as ChurnTaskEvent['kind'], actor: r.actor, detail: r.detail, at: r.at }))
  }

  async funnel(q: { from: Date; to: Date; groupTypes: Record<string, string[]>; conversionTags: string[] }): Promise<FunnelRow[]> {
    const types = Object.keys(q.groupTypes)
    // per contact first seen in the range: did they write, which typed groups they joined, did they convert
    const rows: Array<{ week: string; group_type: string | null; new_contacts: number; first_interaction: number; joined: number; converted: number }> = await this.ds.query(
      `WITH c AS (
         SELECT c.id, ${week('c.created_at')} AS week, c.first_inbound_at IS NOT NULL AS wrote,
                (EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = ANY($3))
                 OR EXISTS (SELECT 1 FROM messages m JOIN cases k ON k.id = m.case_id WHERE m.talker_id = c.wecom_id AND m.case_id IS NOT NULL AND k.state = 'completed')) AS converted
           FROM contacts c WHERE c.created_at >= $1 AND c.created_at < $2),
       j AS (SELECT DISTINCT e.contact_id, e.detail->>'groupType' AS gt FROM contact_events e
              WHERE e.kind = 'joined_group' AND e.detail->>'groupType' = ANY($4) AND e.contact_id IN (SELECT id FROM c)),
       typed AS (SELECT c.week, j.gt, count(*)::int AS joined, count(*) FILTER (WHERE c.converted)::int AS converted
                   FROM c JOIN j ON j.contact_id = c.id GROUP BY c.week, j.gt),
       anytyped AS (SELECT c.week, count(DISTINCT c.id)::int AS joined FROM c JOIN j ON j.contact_id = c.id GROUP BY c.week),
       base AS (SELECT week, count(*)::int AS new_contacts, count(*) FILTER (WHERE wrote)::int AS first_interaction, count(*) FILTER (WHERE converted)::int AS converted FROM c GROUP BY week)
       SELECT b.week, NULL AS group_type, b.new_contacts, b.first_interaction, COALESCE(a.joined, 0) AS joined, b.converted
         FROM base b LEFT JOIN anytyped a ON a.week = b.week
       UNION ALL
       SELECT b.week, t.gt, b.new_contacts, b.first_interaction, t.joined, t.converted FROM base b JOIN typed t ON t.week = b.week
       ORDER BY 1, 2 NULLS FIRST`,
      [q.from, q.to, q.conversionTags, types],
    )
    return rows.map((r) => ({ week: r.week, groupType: r.group_type, newContacts: r.new_contacts, firstInteraction: r.first_interaction, joinedTypedGroup: r.joined, converted: r.converted }))
  }

  sopWeeks(q: { from: Date; to: Date }): Promise<SopWeekRow[]> {
    return sopWeeks(this.ds, q)
  }

  flowWeeks(q: { from: Date; to: Date }): Promise<FlowWeekRow[]> {
    return flowWeeks(this.ds, q)
  }

  async churnWeeks(q: { from: Date; to: Date }): Promise<ChurnWeekRow[]> {
    const rows: Array<{ week: string; opened: number; closed: number; retained: number; lost: number; no_risk: number }> = await this.ds.query(
      `WITH o AS (SELECT ${week('opened_at')} AS week, count(*)::int AS n FROM churn_tasks WHERE opened_at >= $1 AND opened_at < $2 GROUP BY 1),
            k AS (SELECT ${week('closed_at')} AS week, count(*)::int AS n,
                         count(*) FILTER (WHERE outcome = 'retained')::int AS retained, count(*) FILTER (WHERE outcome = 'lost')::int AS lost,
                         count(*) FILTER (WHERE outcome = 'no_risk')::int AS no_risk
                    FROM churn_tasks WHERE closed_at >= $1 AND closed_at < $2 GROUP BY 1)
       SELECT COALESCE(o.week, k.week) AS week, COALESCE(o.n, 0) AS opened, COALESCE(k.n, 0) AS closed,
              COALESCE(k.retained, 0) AS retained, COALESCE(k.lost, 0) AS lost, COALESCE(k.no_risk, 0) AS no_risk
         FROM o FULL JOIN k ON k.week = o.week ORDER BY 1`,
      [q.from, q.to],
    )
    return rows.map((r) => ({ week: r.week, opened: r.opened, closed: r.closed, outcomes: { retained: r.retained, lost: r.lost, no_risk: r.no_risk } }))
  }
}

class SqlChurnTx implements ChurnTx {
  private readonly sends: SqlTx
  constructor(private readonly m: EntityManager) {
    this.sends = new SqlTx(m)
  }

  async appendContactEvent(e: NewContactEvent): Promise<void> {
    await this.m.getRepository(ContactEventEntity).insert({ contactId: String(e.contactId), kind: e.kind, detail: e.detail ?? {}, at: e.at })
  }

  async openTask(t: NewChurnTask, at: Date): Promise<number | null> {
    // the partial unique index keeps one open task per contact, whoever sweeps at the same time
    const r = await this.m
      .createQueryBuilder()
      .insert()
      .into(ChurnTaskEntity)
      .values({ contactId: String(t.contactId), ownerId: t.ownerId, score: t.score, reasons: t.reasons, openedAt: at })
      .orIgnore()
      .returning(['id'])
      .execute()
    const row = (r.raw as { id: string }[])[0]
    if (!row) return null
    await this.m
      .getRepository(ChurnTaskEventEntity)
      .insert({ taskId: row.id, kind: 'opened', actor: 'churn-score', detail: { score: t.score, reasons: t.reasons, ...(t.ownerId !== null ? { ownerId: t.ownerId } : {}) }, at })
    return Number(row.id)
  }

  async setNotice(taskId: number, sendId: number): Promise<void> {
    await this.m.getRepository(ChurnTaskEntity).update({ id: String(taskId) }, { noticeSendId: String(sendId) })
  }

  async lockTask(id: number): Promise<ChurnTaskView | null> {
    const rows: TaskRow[] = await this.m.query(`${TASK_SELECT} WHERE t.id = $1 FOR UPDATE OF t`, [id])
    return rows[0] ? taskView(rows[0]) : null
  }

  async closeTask(id: number, close: { outcome: ChurnOutcome; by: string; note: string | null }, at: Date): Promise<void> {
    await this.m.getRepository(ChurnTaskEntity).update({ id: String(id) }, { closedAt: at, closedBy: close.by, outcome: close.outcome, closeNote: close.note })
    await this.m.getRepository(ChurnTaskEventEntity).insert({ taskId: String(id), kind: 'closed', actor: close.by, detail: { outcome: close.outcome, ...(close.note !== null ? { note: close.note } : {}) }, at })
  }

  insertSend(s: NewSend, at: Date): Promise<number> {
    return this.sends.insertSend(s, at)
  }
}
