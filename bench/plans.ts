import type { DataSource } from 'typeorm'
import { HEADS_SQL, PRELOAD_SQL } from '../src/adapters/db/batch-tx.js'
import type { BenchWorld } from './tenant.js'

export interface Plan {
  name: string
  sql: string
  plan: string
  executionMs: number
}

/**
 * EXPLAIN ANALYZE of the queries every message (and the timer/outbox loops) runs, on the grown
 * database. Writes run inside a rolled-back transaction.
 */
export async function hotQueryPlans(ds: DataSource, world: BenchWorld): Promise<Plan[]> {
  const c = world.customers[7]!
  const [open] = (await ds.query(`SELECT id FROM cases WHERE closed_at IS NULL AND customer_key = $1 ORDER BY id LIMIT 1`, [c.key])) as Array<{ id: string }>
  const [msg] = (await ds.query(`SELECT max(id) AS id FROM messages`)) as Array<{ id: string }>
  const caseId = Number(open?.id ?? 1)
  // a decision batch of ~150 messages concerns about 100 customers
  const batchCustomers = world.customers.slice(0, 100)
  const batchCases = ((await ds.query(`SELECT id FROM cases WHERE closed_at IS NULL AND customer_key = ANY($1::text[])`, [batchCustomers.map((x) => x.key)])) as Array<{ id: string }>).map((r) => Number(r.id))
  const queries: Array<{ name: string; sql: string; params: unknown[]; write?: boolean }> = [
    {
      name: 'record: insert message (idempotent on wecom_id)',
      sql: `INSERT INTO messages (wecom_id, direction, group_key, room_id, channel, talker_id, talker_name, talker_role, type, text, mention_ids, attachment, said_at, handled_at)
            VALUES ($1,'inbound',$2,$3,'customer',$4,$5,'customer_contact','text','好的，我下午拍照发过来','{}',NULL,now(),NULL)
            ON CONFLICT (wecom_id) DO NOTHING RETURNING id`,
      params: ['bench-plan-1', c.group, c.roomId, c.contact, c.name],
      write: true,
    },
    {
      name: 'match: open cases of a customer / order (findOpenCases)',
      sql: `SELECT c.*, EXISTS (SELECT 1 FROM messages m WHERE m.case_id = c.id AND m.type IN ('image','file') AND m.direction = 'inbound' AND m.said_at >= c.state_entered_at) AS proof
              FROM cases c
             WHERE c.closed_at IS NULL AND (c.customer_key = ANY($1::text[]) OR c.id = ANY($2::bigint[]) OR c.order_no = ANY($3::text[]))
             ORDER BY c.updated_at DESC LIMIT 50`,
      params: [[c.key], [], [c.orders[0]]],
    },
    {
      name: 'decide (batch): lock the open cases of 100 customers',
      sql: PRELOAD_SQL,
      params: [batchCustomers.map((x) => x.key), [], batchCustomers.map((x) => x.orders[0]), 5001],
      write: true,
    },
    { name: 'decide (batch): chain heads and proof of those cases', sql: HEADS_SQL, params: [batchCases] },
    { name: 'decide: lock the case', sql: `SELECT * FROM cases WHERE id = $1 FOR UPDATE`, params: [caseId], write: true },
    { name: 'persist: last evidence event of the case', sql: `SELECT seq, hash FROM case_events WHERE case_id = $1 ORDER BY seq DESC LIMIT 1`, params: [caseId] },
    {
      name: 'persist: mark the message decided',
      sql: `UPDATE messages SET case_id = $2, intent = 'chatter', mode = 'record_only', classification = '{}', handled_at = now() WHERE id = $1`,
      params: [Number(msg!.id), caseId],
      write: true,
    },
    { name: 'start-up: undecided messages', sql: `SELECT * FROM messages WHERE handled_at IS NULL AND direction = 'inbound' ORDER BY id LIMIT $1`, params: [1000] },
    { name: 'enqueue: outbox relay batch', sql: `SELECT id, not_before FROM sends WHERE relayed_at IS NULL ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED`, params: [], write: true },
    {
      name: 'timers: changed-timer pass',
      sql: `SELECT id, state_version, reminder_count, next_timer_at, timer_job_id, closed_at FROM cases
             WHERE id > $1 AND ((next_timer_at IS NOT NULL AND closed_at IS NULL AND timer_job_id IS DISTINCT FROM 'timer-' || id || '-' || state_version || '-' || reminder_count)
                OR ((next_timer_at IS NULL OR closed_at IS NOT NULL) AND timer_job_id IS NOT NULL)) ORDER BY id LIMIT 1000`,
      params: [0],
    },
  ]
  const out: Plan[] = []
  for (const q of queries) {
    const run = async (db: Pick<DataSource, 'query'>) => (await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`, q.params)) as Array<{ 'QUERY PLAN': string }>
    let rows: Array<{ 'QUERY PLAN': string }> = []
    if (q.write) {
      await ds
        .transaction(async (tx) => {
          rows = await run(tx)
          throw new RollbackSignal()
        })
        .catch((err: unknown) => {
          if (!(err instanceof RollbackSignal)) throw err
        })
    } else rows = await run(ds)
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n')
    out.push({ name: q.name, sql: q.sql.replace(/\s+/g, ' ').trim(), plan, executionMs: Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? NaN) })
  }
  return out
}

class RollbackSignal extends Error {}
