import type { GroupBy, MetricsQueries, PeriodFacts, TimedFacts } from '../../app/metrics/metrics-ports.js'
import { emptyRowFacts, REVIEW_OUTCOMES, type ReviewOutcome, type RowFacts } from '../../domain/metrics/figures.js'
import { ASK_AGAIN_WINDOW_MS } from '../../domain/metrics/first-clear.js'
import { coverageCounts } from '../../domain/metrics/buckets.js'
import type { Queryable } from './sql.js'

/**
 * The row key of a fact. `c` is the fact's case, `cu` its customer; review facts are
 * attributed to the reviewer (`reviewer`), everything else to the case owner.
 */
function dim(groupBy: GroupBy, o: { group?: string; reviewer?: string } = {}): string {
  switch (groupBy) {
    case 'none':
      return 'NULL::text'
    case 'group':
      return o.group ?? 'cu.group_key'
    case 'partner':
      return 'c.partner_key'
    case 'handler':
      return o.reviewer ?? 'c.owner_id'
  }
}

const CASE_JOIN = 'LEFT JOIN cases c ON c.id = X.case_id LEFT JOIN customers cu ON cu.key = c.customer_key'
const join = (alias: string) => CASE_JOIN.replace('X.', `${alias}.`)
// said by the customer side: in a customer group or a direct chat, by someone not on the team or a partner
const CUSTOMER_SIDE = `m.channel IN ('customer','public_customer','direct') AND m.talker_role NOT IN ('handler','supervisor','partner','bot')`

type Keyed = { key: string | null }

/** One period's fact queries share these: the grouping, the period's bounds and the row a key's facts go to. */
interface FactQuery {
  db: Queryable
  groupBy: GroupBy
  from: Date
  to: Date
  now: Date
  period: Date[]
  row: (key: string | null) => RowFacts
}

/** Every fact of a period, one row per key of `groupBy`, with the keys' readable labels. */
async function periodFacts(db: Queryable, { from, to, now, groupBy }: { from: Date; to: Date; now: Date; groupBy: GroupBy }): Promise<PeriodFacts> {
  const rows = new Map<string | null, RowFacts>()
  const row = (key: string | null) => {
    let r = rows.get(key)
    if (!r) rows.set(key, (r = emptyRowFacts()))
    return r
  }
  const f: FactQuery = { db, groupBy, from, to, now, period: [from, to], row }
  for (const read of [readWaiting, readDeliveries, readWritebacks, readReviews, readSendCounts, readProgressQuestions, readCompletions, readKnowledgeUpdates]) await read(f)
  return { rows, labels: await rowLabels(db, groupBy, rows) }
}

/** Open cases in a waiting state now, by state and party, and how many are overdue. */
async function readWaiting(f: FactQuery): Promise<void> {
  const { db, groupBy, row, now } = f
  const waiting: (Keyed & { state: string; party: string; n: number; overdue: number })[] = await db.query(
    `SELECT ${dim(groupBy)} AS key, c.state, c.waiting_party AS party, count(*)::int AS n,
            count(*) FILTER (WHERE c.due_at < $1)::int AS overdue
       FROM cases c JOIN customers cu ON cu.key = c.customer_key
      WHERE c.closed_at IS NULL AND c.state LIKE 'waiting\\_%'
      GROUP BY 1, 2, 3`,
    [now],
  )
  for (const w of waiting) row(w.key).waiting.push({ state: w.state, party: w.party, n: w.n, overdue: w.overdue })
}

/** Time from a partner request to the customer delivery of its draft. */
async function readDeliveries(f: FactQuery): Promise<void> {
  const { db, groupBy, period, row } = f
  const deliveries: (Keyed & { ms: string })[] = await db.query(
    `SELECT ${dim(groupBy)} AS key, EXTRACT(EPOCH FROM s.sent_at - m.said_at) * 1000 AS ms
       FROM sends s JOIN drafts d ON d.id = s.draft_id JOIN messages m ON m.id = d.source_message_id ${join('d')}
      WHERE s.kind = 'draft' AND s.status = 'sent' AND m.channel = 'partner' AND s.sent_at >= $1 AND s.sent_at < $2`,
    period,
  )
  for (const d of deliveries) row(d.key).deliveriesMs.push(Number(d.ms))
}

/** Time from the customer completing to the write-back to the partner. */
async function readWritebacks(f: FactQuery): Promise<void> {
  const { db, groupBy, period, row } = f
  const writebacks: (Keyed & { ms: string })[] = await db.query(
    `SELECT ${dim(groupBy)} AS key, (e.payload->>'sinceCustomerCompletionMs')::bigint AS ms
       FROM case_events e ${join('e')}
      WHERE e.kind = 'writeback' AND e.payload->>'sinceCustomerCompletionMs' IS NOT NULL AND e.at >= $1 AND e.at < $2`,
    period,
  )
  for (const w of writebacks) row(w.key).writebacksMs.push(Number(w.ms))
}

/** Review outcomes, attributed to the reviewer. */
async function readReviews(f: FactQuery): Promise<void> {
  const { db, groupBy, period, row } = f
  const reviews: (Keyed & { category: string; status: ReviewOutcome })[] = await db.query(
    `SELECT ${dim(groupBy, { group: 'd.target_group_key', reviewer: 'd.decided_by' })} AS key, d.category, d.status
       FROM drafts d ${join('d')}
      WHERE d.mode = 'review_before_send' AND d.status = ANY($3::text[]) AND d.decided_at >= $1 AND d.decided_at < $2`,
    [...period, REVIEW_OUTCOMES],
  )
  for (const r of reviews) row(r.key).reviews.push({ category: r.category, status: r.status })
}

/** Wrong sends (recalled), missed sends (expired drafts) and reminders fired. */
async function readSendCounts(f: FactQuery): Promise<void> {
  const { db, groupBy, period, row } = f
  const counts = async (sql: string, set: (r: RowFacts, n: number) => void) => {
    for (const r of (await db.query(sql, period)) as (Keyed & { n: number })[]) set(row(r.key), r.n)
  }
  await counts(
    `SELECT ${dim(groupBy, { group: 'd.target_group_key', reviewer: 'd.decided_by' })} AS key, count(*)::int AS n
       FROM sends s JOIN drafts d ON d.id = s.draft_id ${join('d')}
      WHERE s.kind = 'draft' AND s.recalled_at >= $1 AND s.recalled_at < $2 GROUP BY 1`,
    (r, n) => (r.wrongSends = n),
  )
  await counts(
    `SELECT ${dim(groupBy, { group: 'd.target_group_key' })} AS key, count(*)::int AS n
       FROM drafts d ${join('d')}
      WHERE d.status = 'expired' AND d.decided_at >= $1 AND d.decided_at < $2 GROUP BY 1`,
    (r, n) => (r.missedSends = n),
  )
  await counts(
    `SELECT ${dim(groupBy)} AS key, count(*)::int AS n
       FROM case_events e ${join('e')}
      WHERE e.kind = 'timer_fired' AND e.payload->>'step' = 'remind' AND e.at >= $1 AND e.at < $2 GROUP BY 1`,
    (r, n) => (r.reminders = n),
  )
}

/** Progress questions from the customer side, for the first-clear-explanation rate. */
async function readProgressQuestions(f: FactQuery): Promise<void> {
  const { db, groupBy, row, from, to } = f
  // whole episodes: questions from 24 h before the period to 24 h after it
  const questions: (Keyed & { case_id: string; said_at: Date })[] = await db.query(
    `SELECT ${dim(groupBy)} AS key, m.case_id, m.said_at
       FROM messages m ${join('m')}
      WHERE m.direction = 'inbound' AND m.intent = 'progress_question' AND m.case_id IS NOT NULL
        AND ${CUSTOMER_SIDE} AND m.said_at >= $1 AND m.said_at < $2`,
    [new Date(from.getTime() - ASK_AGAIN_WINDOW_MS), new Date(to.getTime() + ASK_AGAIN_WINDOW_MS)],
  )
  for (const q of questions) row(q.key).progressQuestions.push({ caseId: Number(q.case_id), at: q.said_at })
}

/** Completed cases and whether a file and a customer confirmation came before closing. */
async function readCompletions(f: FactQuery): Promise<void> {
  const { db, groupBy, period, row } = f
  const completions: (Keyed & { service_type: string; has_file: boolean; has_confirmation: boolean })[] = await db.query(
    `SELECT ${dim(groupBy)} AS key, c.service_type,
            EXISTS (SELECT 1 FROM messages m WHERE m.case_id = c.id AND m.direction = 'inbound'
                       AND m.type IN ('image','file') AND m.said_at <= c.closed_at) AS has_file,
            EXISTS (SELECT 1 FROM messages m WHERE m.case_id = c.id AND m.direction = 'inbound'
                       AND ${CUSTOMER_SIDE} AND m.intent = 'completion_claim' AND m.said_at <= c.closed_at) AS has_confirmation
       FROM cases c JOIN customers cu ON cu.key = c.customer_key
      WHERE c.state = 'completed' AND c.closed_at >= $1 AND c.closed_at < $2`,
    period,
  )
  for (const c of completions) row(c.key).completions.push({ serviceType: c.service_type, hasFile: c.has_file, hasConfirmation: c.has_confirmation })
}

/** Knowledge versions published in the period. */
async function readKnowledgeUpdates(f: FactQuery): Promise<void> {
  const { db, groupBy, period, row } = f
  // knowledge is tenant-wide: only the ungrouped row carries it
  if (groupBy === 'none') {
    const [k] = (await db.query(`SELECT count(*)::int AS n FROM knowledge_versions WHERE version > 1 AND at >= $1 AND at < $2`, period)) as { n: number }[]
    row(null).knowledgeUpdates = k?.n ?? 0
  }
}

/** The readable name of each row key (group topic, partner or handler name). */
async function rowLabels(db: Queryable, groupBy: GroupBy, rows: Map<string | null, RowFacts>): Promise<Map<string, string>> {
  const keys = [...rows.keys()].filter((k): k is string => k !== null)
  const labelSql: Record<Exclude<GroupBy, 'none'>, string> = {
    group: `SELECT key, topic AS label FROM groups WHERE key = ANY($1::text[])`,
    partner: `SELECT key, name AS label FROM partners WHERE key = ANY($1::text[])`,
    handler: `SELECT wecom_id AS key, name AS label FROM people WHERE wecom_id = ANY($1::text[])`,
  }
  const labels = new Map<string, string>()
  if (groupBy !== 'none' && keys.length > 0) {
    for (const l of (await db.query(labelSql[groupBy], [keys])) as { key: string; label: string | null }[]) if (l.label) labels.set(l.key, l.label)
  }
  return labels
}

/** Delivery, write-back and review facts with their instants, for the time series. */
async function timedFacts(db: Queryable, { from, to }: { from: Date; to: Date }): Promise<TimedFacts> {
  const period = [from, to]
  const deliveries: { at: Date; ms: string }[] = await db.query(
    `SELECT s.sent_at AS at, EXTRACT(EPOCH FROM s.sent_at - m.said_at) * 1000 AS ms
         FROM sends s JOIN drafts d ON d.id = s.draft_id JOIN messages m ON m.id = d.source_message_id
        WHERE s.kind = 'draft' AND s.status = 'sent' AND m.channel = 'partner' AND s.sent_at >= $1 AND s.sent_at < $2`,
    period,
  )
  const writebacks: { at: Date; ms: string }[] = await db.query(
    `SELECT e.at, (e.payload->>'sinceCustomerCompletionMs')::bigint AS ms FROM case_events e
        WHERE e.kind = 'writeback' AND e.payload->>'sinceCustomerCompletionMs' IS NOT NULL AND e.at >= $1 AND e.at < $2`,
    period,
  )
  const reviews: { at: Date; status: ReviewOutcome }[] = await db.query(
    `SELECT decided_at AS at, status FROM drafts
        WHERE mode = 'review_before_send' AND status = ANY($3::text[]) AND decided_at >= $1 AND decided_at < $2`,
    [...period, REVIEW_OUTCOMES],
  )
  return {
    deliveries: deliveries.map((d) => ({ at: d.at, ms: Number(d.ms) })),
    writebacks: writebacks.map((w) => ({ at: w.at, ms: Number(w.ms) })),
    reviews,
  }
}

/** Waiting and overdue cases at each instant, rebuilt from the evidence trail. */
async function waitingAt(db: Queryable, instants: readonly Date[]): Promise<Array<{ waiting: number; overdue: number }>> {
  if (instants.length === 0) return []
  if (instants.some((t, i) => i > 0 && t.getTime() < instants[i - 1]!.getTime())) throw new RangeError('waitingAt needs instants in ascending order')
  // A case's state at t is the target of its last state change before t, its due time the
  // dueAt of its last state change, snooze or /remind before t; each such event holds from its
  // time until the case's next one (since < t <= until). width_bucket over the ascending instants
  // turns each waiting interval (and its overlap with a past due time) into a range of indexes;
  // counting the ranges that cover each index is then linear (coverageCounts).
  const ranges: { kind: 'waiting' | 'overdue'; lo: number; hi: number; count: number }[] = await db.query(
    `WITH st AS (
         SELECT case_id, at AS since, lead(at) OVER (PARTITION BY case_id ORDER BY seq) AS until, payload->>'to' AS state
           FROM case_events WHERE kind = 'state_changed'
       ), du AS (
         SELECT case_id, at AS since, lead(at) OVER (PARTITION BY case_id ORDER BY seq) AS until, (payload->>'dueAt')::timestamptz AS due
           FROM case_events WHERE kind IN ('state_changed','snoozed','remind_requested')
       ), sw AS (
         SELECT case_id, since, until FROM st WHERE state LIKE 'waiting\\_%'
       ), r AS (
         SELECT 'waiting' AS kind, width_bucket(since, $1::timestamptz[]) + 1 AS lo,
                COALESCE(width_bucket(until, $1::timestamptz[]), $2) AS hi
           FROM sw
         UNION ALL
         -- LEAST/GREATEST skip NULLs: an open-ended interval ends with the last instant
         SELECT 'overdue', width_bucket(GREATEST(sw.since, du.since, du.due), $1::timestamptz[]) + 1,
                COALESCE(width_bucket(LEAST(sw.until, du.until), $1::timestamptz[]), $2)
           FROM sw JOIN du ON du.case_id = sw.case_id AND du.due IS NOT NULL
            AND du.since < COALESCE(sw.until, 'infinity') AND sw.since < COALESCE(du.until, 'infinity')
       )
       SELECT kind, lo, hi, count(*)::int AS count FROM r WHERE lo <= hi GROUP BY kind, lo, hi`,
    [instants, instants.length],
  )
  const waiting = coverageCounts(
    instants.length,
    ranges.filter((r) => r.kind === 'waiting'),
  )
  const overdue = coverageCounts(
    instants.length,
    ranges.filter((r) => r.kind === 'overdue'),
  )
  return instants.map((_, i) => ({ waiting: waiting[i]!, overdue: overdue[i]! }))
}

export function sqlMetricsQueries(db: Queryable): MetricsQueries {
  return {
    periodFacts: (p) => periodFacts(db, p),
    timedFacts: (p) => timedFacts(db, p),
    waitingAt: (instants) => waitingAt(db, instants),
  }
}
