import pg from 'pg'
import type { DataSource } from 'typeorm'
import type { Tenant } from '../src/config/load-tenant.js'
import { createDataSource, ensureDatabase, runMigrations } from '../src/adapters/db/data-source.js'
import { syncDirectory } from '../src/adapters/db/sync-directory.js'
import type { BenchWorld } from './tenant.js'

/** The benchmark's own database on the shared PostgreSQL; nothing else lives there. */
export const BENCH_DATABASE_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/baton_bench'

/** Opens a data source on one schema of the bench database. */
export async function openSchema(schema: string, poolSize = 10): Promise<DataSource> {
  await ensureDatabase({ url: BENCH_DATABASE_URL, schema })
  return createDataSource({ url: BENCH_DATABASE_URL, schema, poolSize }).initialize()
}

/** Drops and recreates a schema, applies every migration and syncs the tenant directory. */
export async function freshSchema(schema: string, tenant: Tenant): Promise<DataSource> {
  await ensureDatabase({ url: BENCH_DATABASE_URL, schema: 'public' })
  const admin = new pg.Client({ connectionString: BENCH_DATABASE_URL })
  await admin.connect()
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)
    await admin.query(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}`)
  } finally {
    await admin.end()
  }
  const ds = await openSchema(schema)
  await runMigrations(ds)
  await syncDirectory(ds, tenant)
  return ds
}

const OPEN_STATES = [
  { state: 'waiting_customer_material', party: 'customer', weight: 40 },
  { state: 'waiting_partner', party: 'partner', weight: 25 },
  { state: 'waiting_contact_coordination', party: 'contact', weight: 15 },
  { state: 'requested', party: 'team', weight: 20 },
] as const

/**
 * The open cases the traffic talks about: one per order number in the tenant file (1,000),
 * spread over the usual waiting states, each with a timer hours away.
 */
export async function seedOpenCases(ds: DataSource, world: BenchWorld): Promise<number> {
  const rows = world.customers.flatMap((c) => c.orders.map((o) => ({ c, o })))
  const states = rows.map((_, i) => {
    let r = (i * 37) % 100
    for (const s of OPEN_STATES) if ((r -= s.weight) < 0) return s
    return OPEN_STATES[0]
  })
  await ds.query(
    `INSERT INTO cases (customer_key, service_type, contact_id, executor_id, partner_key, order_no, state, waiting_party,
        due_at, state_entered_at, created_at, updated_at, next_timer_at)
     SELECT v.customer_key, 'after_sales', v.contact_id, v.executor_id, v.partner_key, v.order_no, v.state, v.party,
            now() + interval '20 hours', now() - interval '1 hour', now() - interval '2 hours', now() - (v.n * interval '1 second'),
            now() + interval '3 hours' + (v.n * interval '1 second')
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[])
            AS v(customer_key, contact_id, executor_id, partner_key, order_no, state, party, n)`,
    [
      rows.map((r) => r.c.key),
      rows.map((r) => r.c.contact),
      rows.map((r) => r.c.executor),
      rows.map((r) => r.c.partner),
      rows.map((r) => r.o),
      states.map((s) => s!.state),
      states.map((s) => s!.party),
      rows.map((_, i) => i),
    ],
  )
  return rows.length
}

export interface GrowthSeed {
  messages: number
  cases: number
  events: number
  maxMessageId: number
  maxCaseId: number
  maxEventId: number
  seededMs: number
  reused: boolean
}

const SEED_VERSION = 'v1'

/**
 * A database that has been in use for a while: 1,000,000 messages over a year and 100,000 cases
 * (99,000 closed, with two evidence events each, plus the 1,000 open ones the traffic talks
 * about). Seeded set-wise with generate_series; kept between runs (rows the benchmark adds are
 * removed afterwards) so only the first run pays for it.
 */
export async function growthSchema(schema: string, tenant: Tenant, world: BenchWorld, size: { messages: number; cases: number }): Promise<{ ds: DataSource; seed: GrowthSeed }> {
  const existing = await openSchema(schema)
  const marker: Array<{ version: string; messages: number; cases: number; max_message_id: string; max_case_id: string; max_event_id: string; seeded_ms: number }> = await existing
    .query(`SELECT * FROM bench_seed`)
    .catch(() => [])
  const m = marker[0]
  if (m && m.version === SEED_VERSION && m.messages === size.messages && m.cases === size.cases) {
    // a seed kept from an older commit lacks the migrations since: apply them (the rows stay)
    await runMigrations(existing)
    await resetToSeed(existing, world, { maxMessageId: Number(m.max_message_id), maxCaseId: Number(m.max_case_id) })
    await syncDirectory(existing, tenant)
    return {
      ds: existing,
      seed: {
        messages: m.messages,
        cases: m.cases,
        events: 0,
        maxMessageId: Number(m.max_message_id),
        maxCaseId: Number(m.max_case_id),
        maxEventId: Number(m.max_event_id),
        seededMs: m.seeded_ms,
        reused: true,
      },
    }
  }
  await existing.destroy()
  const t0 = Date.now()
  const ds = await freshSchema(schema, tenant)
  const closed = size.cases - world.customers.reduce((n, c) => n + c.orders.length, 0)
  const customerKeys = world.customers.map((c) => c.key)
  const partnerKeys = world.customers.map((c) => c.partner)
  const groups = world.customers.map((c) => c.group)
  const contacts = world.customers.map((c) => c.contact)
  // closed history first, so the open cases have the highest ids (as they would in real life)
  await ds.query(
    `INSERT INTO cases (customer_key, service_type, contact_id, executor_id, partner_key, order_no, state, waiting_party,
        state_entered_at, created_at, updated_at, closed_at, cancellation_reason)
     SELECT ck[1 + g % cardinality(ck)], 'after_sales', ct[1 + g % cardinality(ct)], ct[1 + g % cardinality(ct)], pk[1 + g % cardinality(pk)],
            'HS' || lpad(g::text, 10, '0'),
            CASE WHEN g % 10 = 0 THEN 'cancelled' ELSE 'completed' END, 'none',
            ts + interval '2 days', ts, ts + interval '3 days', ts + interval '3 days',
            CASE WHEN g % 10 = 0 THEN 'no_response' END
       FROM generate_series(1, $4::int) AS g,
            LATERAL (SELECT now() - interval '400 days' + (g * interval '5 minutes') AS ts) t,
            (SELECT $1::text[] AS ck, $2::text[] AS pk, $3::text[] AS ct) a`,
    [customerKeys, partnerKeys, contacts, closed],
  )
  const [closedMax] = (await ds.query(`SELECT max(id) AS c FROM cases`)) as Array<{ c: string }>
  await seedOpenCases(ds, world)
  await ds.query(
    `INSERT INTO case_events (case_id, seq, kind, actor, payload, at, prev_hash, hash)
     SELECT c.id, s, CASE s WHEN 1 THEN 'case_opened' ELSE 'state_changed' END, 'baton', '{"seeded":true}'::jsonb, c.created_at,
            md5(c.id || '-' || (s - 1)), md5(c.id || '-' || s)
       FROM cases c, generate_series(1, 2) AS s
      WHERE c.closed_at IS NOT NULL`,
  )
  const texts = ['好的，收到', '师傅什么时候上门？', '照片已经发了', 'DD20250101 麻烦客户补充发票', '谢谢', '已经处理好了', '请问进度怎么样了', '[图片]']
  await ds.query(
    `INSERT INTO messages (wecom_id, direction, group_key, room_id, channel, talker_id, talker_name, talker_role, type, text,
        said_at, received_at, handled_at, case_id, intent, mode)
     SELECT 'seed-' || g, 'inbound', grp[1 + g % cardinality(grp)], 'r-' || grp[1 + g % cardinality(grp)] || '@chatroom', 'customer',
            ct[1 + g % cardinality(ct)], '客户', 'customer_contact', CASE WHEN g % 7 = 0 THEN 'image' ELSE 'text' END,
            tx[1 + g % cardinality(tx)], ts, ts, ts, 1 + (g % $3::int), 'chatter', 'record_only'
       FROM generate_series(1, $4::int) AS g,
            LATERAL (SELECT now() - interval '400 days' + (g * interval '30 seconds') AS ts) t,
            (SELECT $1::text[] AS grp, $2::text[] AS ct, $5::text[] AS tx) a`,
    [groups, contacts, closed, size.messages, texts],
  )
  await ds.query(`VACUUM ANALYZE messages`)
  await ds.query(`VACUUM ANALYZE cases`)
  await ds.query(`VACUUM ANALYZE case_events`)
  const [ids] = (await ds.query(`SELECT (SELECT max(id) FROM messages) AS m, $1::bigint AS c, (SELECT coalesce(max(id),0) FROM case_events) AS e, (SELECT count(*)::int FROM case_events) AS ne`, [
    closedMax!.c,
  ])) as Array<{ m: string; c: string; e: string; ne: number }>
  const seededMs = Date.now() - t0
  await ds.query(`CREATE TABLE bench_seed (version text, messages int, cases int, max_message_id bigint, max_case_id bigint, max_event_id bigint, seeded_ms int)`)
  await ds.query(`INSERT INTO bench_seed VALUES ($1,$2,$3,$4,$5,$6,$7)`, [SEED_VERSION, size.messages, size.cases, ids!.m, ids!.c, ids!.e, seededMs])
  return { ds, seed: { messages: size.messages, cases: size.cases, events: ids!.ne, maxMessageId: Number(ids!.m), maxCaseId: Number(ids!.c), maxEventId: Number(ids!.e), seededMs, reused: false } }
}

/**
 * Removes what a benchmark run added to the seeded database and re-seeds the open cases, which
 * the run moved along. The evidence trail refuses deletes by trigger; as the superuser we run
 * this cleanup with triggers off (replica role), which is what that role is for.
 */
async function resetToSeed(ds: DataSource, world: BenchWorld, s: { maxMessageId: number; maxCaseId: number }): Promise<void> {
  await ds.transaction(async (tx) => {
    await tx.query(`SET LOCAL session_replication_role = replica`)
    await tx.query(`DELETE FROM sends`)
    await tx.query(`DELETE FROM drafts`)
    await tx.query(`DELETE FROM messages WHERE id > $1`, [s.maxMessageId])
    await tx.query(`DELETE FROM case_events WHERE case_id > $1`, [s.maxCaseId])
    await tx.query(`DELETE FROM cases WHERE id > $1`, [s.maxCaseId])
    await tx.query(`DELETE FROM automation_switches`)
  })
  await seedOpenCases(ds, world)
  await ds.query(`ANALYZE cases`)
}
