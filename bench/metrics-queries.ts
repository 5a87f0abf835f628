/**
 * How long the metrics queries take on a larger synthetic tenant: 20 000 cases, 100 000 state
 * changes, 100 000 messages, 50 000 drafts, in a scratch schema of BENCH_DATABASE_URL (default
 * the test database) that is dropped afterwards. Run: `npx tsx bench/metrics-queries.ts`.
 */
import pg from 'pg'
import { createDataSource, ensureDatabase, runMigrations } from '../src/adapters/db/data-source.js'
import { sqlMetricsQueries } from '../src/adapters/db/metrics-queries.js'
import { syncDirectory } from '../src/adapters/db/sync-directory.js'
import { loadTenant } from '../src/config/load-tenant.js'

const url = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
const schema = `bench_metrics_${Date.now().toString(36)}`
const CASES = 20_000
const T0 = Date.parse('2026-10-01T00:00:00Z') / 1000

async function time(label: string, fn: () => Promise<unknown>): Promise<void> {
  const start = performance.now()
  await fn()
  console.log(`${label.padEnd(56)} ${(performance.now() - start).toFixed(0).padStart(6)} ms`)
}

await ensureDatabase({ url, schema })
const ds = createDataSource({ url, schema })
await ds.initialize()
try {
  await runMigrations(ds)
  await syncDirectory(ds, loadTenant('config/sandbox.yaml'))
  await ds.query(
    `INSERT INTO cases (customer_key, service_type, owner_id, partner_key, state, waiting_party, due_at, state_entered_at, created_at, updated_at, closed_at)
     SELECT CASE WHEN i % 2 = 0 THEN 'zhang' ELSE 'zhao' END, 'after_sales', CASE WHEN i % 3 = 0 THEN 'wx-handler-wang' ELSE 'wx-handler-chen' END, 'anxin',
            CASE WHEN i % 4 = 0 THEN 'completed' ELSE 'waiting_customer_material' END, 'customer', to_timestamp($1 + i * 120 + 86400),
            to_timestamp($1 + i * 120), to_timestamp($1 + i * 120), to_timestamp($1 + i * 120),
            CASE WHEN i % 4 = 0 THEN to_timestamp($1 + i * 120 + 3600) END
       FROM generate_series(1, $2::int) i`,
    [T0, CASES],
  )
  // five state changes per case; the hash chain is irrelevant to the queries measured here
  await ds.query(
    `INSERT INTO case_events (case_id, seq, kind, actor, payload, at, prev_hash, hash)
     SELECT c.id, k, 'state_changed', 'bench',
            jsonb_build_object('to', CASE WHEN k % 2 = 0 THEN 'waiting_partner' ELSE 'waiting_customer_material' END,
                               'dueAt', to_char(c.created_at + k * interval '3 hours', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
            c.created_at + k * interval '2 hours', 'p', 'h'
       FROM cases c, generate_series(1, 5) k`,
  )
  await ds.query(
    `INSERT INTO messages (wecom_id, direction, group_key, channel, talker_id, talker_role, type, text, said_at, case_id, intent)
     SELECT 'm' || i, 'inbound', 'cust-zhao', 'customer', 'wx-zhao', 'customer_contact', 'text', '', to_timestamp($1 + i * 60), (i % $2::int) + 1,
            CASE WHEN i % 3 = 0 THEN 'progress_question' END
       FROM generate_series(1, 100000) i`,
    [T0, CASES],
  )
  await ds.query(
    `INSERT INTO drafts (case_id, target_group_key, category, text, mode, status, decided_by, decided_at, created_at, source_message_id)
     SELECT (i % $2::int) + 1, 'cust-zhao', 'material_request', 'x', 'review_before_send', (ARRAY['approved','edited','rejected','taken_over','expired'])[i % 5 + 1],
            'wx-handler-wang', to_timestamp($1 + i * 100 + 600), to_timestamp($1 + i * 100), i
       FROM generate_series(1, 50000) i`,
    [T0, CASES],
  )
  await ds.query(`ANALYZE`)
  const q = sqlMetricsQueries(ds)
  const from = new Date('2026-10-10T00:00:00Z')
  const to = new Date('2026-11-09T00:00:00Z')
  const now = new Date('2026-11-26T00:00:00Z')
  for (const groupBy of ['none', 'group', 'partner', 'handler'] as const) await time(`periodFacts, 30 days, groupBy=${groupBy}`, () => q.periodFacts({ from, to, now, groupBy }))
  for (const n of [30, 400]) {
    const instants = Array.from({ length: n }, (_, i) => new Date(from.getTime() + ((i + 1) * (to.getTime() - from.getTime())) / n))
    await time(`waitingAt, ${n} instants over 100k state changes`, () => q.waitingAt(instants))
  }
} finally {
  await ds.destroy()
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)
  await client.end()
}
