/**
 * npm run sim:growth: 10,000 contacts in 500 groups over 90 simulated days against the real
 * PostgreSQL (a fresh schema, dropped at the end unless SIM_KEEP=1). Each simulated day writes the
 * contacts' messages, group joins and leaves, complaints and stalled cases; each night runs the
 * real nightly tag rules and churn scores (src/app/growth) with the clock set to that night, and a
 * simulated person closes each task two days after it opened. At the end: the time of the nightly
 * work, churn precision/recall against the simulation's own ground truth (which contacts it set
 * to churn, and when), and consistency (at most one open task per contact, every task audited).
 *
 * Sizes: SIM_CONTACTS (10000), SIM_GROUPS (500), SIM_DAYS (90), SIM_SEED (20); the database:
 * SIM_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test).
 */
import pino from 'pino'
import { createDataSource, ensureDatabase, runMigrations } from '../src/adapters/db/data-source.js'
import { SqlGrowthStore } from '../src/adapters/db/growth-store.js'
import { SqlChurnStore } from '../src/adapters/db/churn-store.js'
import { syncDirectory } from '../src/adapters/db/sync-directory.js'
import { Directory } from '../src/app/directory.js'
import { sweepNightlyRules } from '../src/app/growth/sweep-nightly-rules.js'
import { sweepChurnScores } from '../src/app/growth/sweep-churn-scores.js'
import { closeChurnTask } from '../src/app/growth/close-churn-task.js'
import type { ChurnDeps } from '../src/app/growth/churn-deps.js'
import type { InboundSeen } from '../src/app/growth/growth-ports.js'
import { loadTenant } from '../src/config/load-tenant.js'
import { loadGrowth } from '../src/config/growth-schema.js'
import { loadWordingDir } from '../src/config/load-wording-dir.js'
import type { GrowthConfig } from '../src/domain/growth/growth-config.js'

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const CONTACTS = num('SIM_CONTACTS', 10_000)
const GROUPS = num('SIM_GROUPS', 500)
const DAYS = num('SIM_DAYS', 90)
const SEED = num('SIM_SEED', 20)
const URL = process.env['SIM_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
const SCHEMA = `growth_sim_${Date.now().toString(36)}`
const DAY = 86_400_000
/** day 0 of the simulation, midnight UTC; a night's work runs at 03:00 after its day */
const START = Date.UTC(2026, 0, 5)
const dayStart = (d: number) => new Date(START + d * DAY)

/** mulberry32: the same seed, the same population */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const rand = rng(SEED)
const poisson = (lambda: number): number => {
  let k = 0
  for (let p = Math.exp(-lambda), s = p, u = rand(); u > s; p *= lambda / ++k, s += p);
  return k
}
const normal = () => Math.sqrt(-2 * Math.log(rand() || 1e-9)) * Math.cos(2 * Math.PI * rand())
const pick = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo))

/** One simulated contact and its ground truth. */
interface SimContact {
  wecomId: string
  name: string
  group: string
  joinDay: number
  /** messages per day while active */
  rate: number
  /** the day this contact churns (stops writing), or null: never */
  churnDay: number | null
  leaveDay: number | null
  complaintDay: number | null
  stalledCaseDay: number | null
  id?: number
}

function population(): SimContact[] {
  return Array.from({ length: CONTACTS }, (_, i) => {
    const churns = rand() < 0.15
    const joinDay = pick(0, 30)
    const churnDay = churns ? pick(Math.max(joinDay + 14, 20), 80) : null
    const c: SimContact = {
      wecomId: `sim-${i}`,
      name: `客户${i}`,
      group: `sim-g${i % GROUPS}`,
      joinDay,
      rate: Math.min(3, Math.exp(Math.log(0.35) + 0.8 * normal())),
      churnDay,
      // churners leave their group half the time when they go; 3 % of the others move groups
      leaveDay: churnDay !== null ? (rand() < 0.5 ? churnDay : null) : rand() < 0.03 ? pick(joinDay + 1, DAYS) : null,
      complaintDay: churnDay !== null ? (rand() < 0.3 ? pick(churnDay - 10, churnDay + 1) : null) : rand() < 0.04 ? pick(joinDay + 1, DAYS) : null,
      stalledCaseDay: churnDay !== null ? (rand() < 0.2 ? churnDay - 12 : null) : rand() < 0.03 ? pick(joinDay + 1, DAYS) : null,
    }
    return c
  })
}

/** messages per day: the contact's rate; a churner writes a third as much in its last two weeks, then nothing */
function todaysMessages(c: SimContact, d: number): number {
  if (d < c.joinDay) return 0
  if (c.churnDay !== null && d >= c.churnDay) return 0
  const fading = c.churnDay !== null && d >= c.churnDay - 14
  return poisson(c.rate * (fading ? 0.3 : 1))
}

type Ds = ReturnType<typeof createDataSource>

async function seedGroups(ds: Ds, tenant: ReturnType<typeof loadTenant>): Promise<void> {
  await syncDirectory(ds, tenant)
  const keys = Array.from({ length: GROUPS }, (_, g) => `sim-g${g}`)
  await ds.query(`INSERT INTO groups (key, room_id, topic, kind) SELECT k, k || '@room', '模拟群' || k, 'customer' FROM unnest($1::text[]) k`, [keys])
}

let messageSeq = 0
async function simulateDay(ds: Ds, store: SqlGrowthStore, people: SimContact[], d: number, customerKey: string): Promise<number> {
  const at = dayStart(d)
  const joining = people.filter((c) => c.joinDay === d)
  if (joining.length > 0) {
    await store.transaction(async (tx) => {
      const ids = await tx.upsertContacts(
        joining.map((c) => ({ wecomId: c.wecomId, name: c.name, personId: null })),
        at,
      )
      for (const c of joining) c.id = ids.get(c.wecomId)!
      await tx.appendEvents(joining.map((c) => ({ contactId: c.id!, kind: 'joined_group' as const, groupKey: c.group, detail: { groupType: groupTypeOf(c.group) }, at })))
    })
  }
  const rows: Array<{ id: string; group: string; talker: string; at: Date }> = []
  for (const c of people) for (let n = todaysMessages(c, d); n > 0; n--) rows.push({ id: `m${++messageSeq}`, group: c.group, talker: c.wecomId, at: new Date(at.getTime() + Math.floor(rand() * DAY)) })
  if (rows.length > 0) {
    await ds.query(
      `INSERT INTO messages (wecom_id, direction, group_key, channel, talker_id, talker_role, type, text, said_at, handled_at)
       SELECT w, 'inbound', g, 'customer', t, 'customer_contact', 'text', '', s, s FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS u(w, g, t, s)`,
      [rows.map((r) => r.id), rows.map((r) => r.group), rows.map((r) => r.talker), rows.map((r) => r.at)],
    )
    // the contact activity path as Baton runs it: first/last inbound in one statement per batch
    const seen = new Map<string, InboundSeen>()
    for (const r of rows) {
      const s = seen.get(r.talker) ?? { wecomId: r.talker, name: r.talker.replace('sim-', '客户'), personId: null, firstAt: r.at, lastAt: r.at }
      if (r.at < s.firstAt) s.firstAt = r.at
      if (r.at > s.lastAt) s.lastAt = r.at
      seen.set(r.talker, s)
    }
    const all = [...seen.values()]
    for (let i = 0; i < all.length; i += 500) await store.noteInbound(all.slice(i, i + 500), at)
  }
  await dayEvents(ds, store, people, d, customerKey)
  return rows.length
}

const groupTypeOf = (group: string) => (Number(group.slice('sim-g'.length)) % 2 === 0 ? 'community' : 'service')

/** leaves, complaints (an attention item on one of their messages) and stalled cases of the day */
async function dayEvents(ds: Ds, store: SqlGrowthStore, people: SimContact[], d: number, customerKey: string): Promise<void> {
  const at = new Date(dayStart(d).getTime() + 12 * 3_600_000)
  const leaving = people.filter((c) => c.leaveDay === d && c.id !== undefined)
  if (leaving.length > 0) await store.transaction((tx) => tx.appendEvents(leaving.map((c) => ({ contactId: c.id!, kind: 'left_group' as const, groupKey: c.group, at }))))
  for (const c of people.filter((p) => p.complaintDay === d && p.id !== undefined)) {
    const [m] = (await ds.query(
      `INSERT INTO messages (wecom_id, direction, group_key, channel, talker_id, talker_role, type, text, said_at, handled_at) VALUES ($1, 'inbound', $2, 'customer', $3, 'customer_contact', 'text', '我要投诉你们', $4, $4) RETURNING id`,
      [`m${++messageSeq}`, c.group, c.wecomId, at],
    )) as { id: string }[]
    await ds.query(`INSERT INTO attention_items (message_id, group_key, talker_id, reasons, text, notified, created_at) VALUES ($1, $2, $3, '{complaint}', '我要投诉你们', true, $4)`, [
      m!.id,
      c.group,
      c.wecomId,
      at,
    ])
  }
  for (const c of people.filter((p) => p.stalledCaseDay === d && p.id !== undefined)) {
    const [k] = (await ds.query(
      `INSERT INTO cases (customer_key, service_type, state, waiting_party, state_entered_at, created_at, updated_at) VALUES ($1, 'after_sales', 'waiting_partner', 'partner', $2, $2, $2) RETURNING id`,
      [customerKey, at],
    )) as { id: string }[]
    await ds.query(
      `INSERT INTO messages (wecom_id, direction, group_key, channel, talker_id, talker_role, type, text, said_at, handled_at, case_id) VALUES ($1, 'inbound', $2, 'customer', $3, 'customer_contact', 'text', '空调还没修好', $4, $4, $5)`,
      [`m${++messageSeq}`, c.group, c.wecomId, at, k!.id],
    )
  }
}

interface Night {
  day: number
  rulesMs: number
  churnMs: number
  tagged: number
  opened: number
  atRisk: number
}

async function runNight(deps: { growth: SqlGrowthStore; churn: ChurnDeps; cfg: GrowthConfig }, d: number, truth: Map<number, SimContact>): Promise<Night> {
  const now = new Date(dayStart(d + 1).getTime() + 3 * 3_600_000)
  const clock = { now: () => now }
  const log = deps.churn.log
  let t = performance.now()
  const tagged = await sweepNightlyRules({ growth: deps.growth, cfg: deps.cfg, clock, log })
  const rulesMs = performance.now() - t
  t = performance.now()
  const s = await sweepChurnScores({ ...deps.churn, clock })
  const churnMs = performance.now() - t
  // a person follows each task up two days after it opened and says what happened
  const open = await deps.churn.churn.listTasks({ status: 'open', limit: 100_000, offset: 0 })
  for (const task of open.items.filter((x) => now.getTime() - x.openedAt.getTime() >= 2 * DAY)) {
    const c = truth.get(task.contactId)
    const outcome = c?.churnDay != null ? (rand() < 0.3 ? 'retained' : 'lost') : 'no_risk'
    await closeChurnTask({ ...deps.churn, clock }, task.id, outcome, 'sim-owner', null)
  }
  return { day: d, rulesMs, churnMs, tagged, opened: s.opened, atRisk: s.atRisk }
}

async function evaluate(ds: Ds, people: SimContact[]): Promise<Record<string, string | number>> {
  const tasks = (await ds.query(`SELECT contact_id, opened_at FROM churn_tasks ORDER BY id`)) as { contact_id: string; opened_at: Date }[]
  const byId = new Map(people.filter((c) => c.id !== undefined).map((c) => [c.id!, c]))
  const dayOf = (d: Date) => Math.floor((d.getTime() - START) / DAY)
  // a task is right when its contact churns and it opened no earlier than two weeks before
  const right = tasks.filter((t) => {
    const c = byId.get(Number(t.contact_id))
    return c?.churnDay != null && dayOf(t.opened_at) >= c.churnDay - 14
  })
  const observable = people.filter((c) => c.churnDay !== null && c.churnDay + 14 <= DAYS)
  const firstTask = new Map<number, number>()
  for (const t of tasks) if (!firstTask.has(Number(t.contact_id))) firstTask.set(Number(t.contact_id), dayOf(t.opened_at))
  const caught = observable.filter((c) => {
    const day = firstTask.get(c.id!)
    return day !== undefined && day >= c.churnDay! - 14 && day <= c.churnDay! + 14
  })
  const early = caught.filter((c) => firstTask.get(c.id!)! <= c.churnDay!)
  const lead = caught.map((c) => firstTask.get(c.id!)! - c.churnDay!).sort((a, b) => a - b)
  const [dupes] = (await ds.query(`SELECT count(*)::int AS n FROM (SELECT contact_id FROM churn_tasks WHERE closed_at IS NULL GROUP BY contact_id HAVING count(*) > 1) x`)) as { n: number }[]
  const [unaudited] = (await ds.query(
    `SELECT count(*)::int AS n FROM churn_tasks t WHERE NOT EXISTS (SELECT 1 FROM churn_task_events e WHERE e.task_id = t.id AND e.kind = 'opened')
        OR (t.closed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM churn_task_events e WHERE e.task_id = t.id AND e.kind = 'closed'))`,
  )) as { n: number }[]
  const [notices] = (await ds.query(`SELECT count(*)::int AS n FROM churn_tasks WHERE notice_send_id IS NULL`)) as { n: number }[]
  const pct = (a: number, b: number) => (b === 0 ? '-' : `${((100 * a) / b).toFixed(1)} %`)
  return {
    'tasks opened': tasks.length,
    'precision (task on a contact that churns, opened ≥ its churn day − 14)': `${pct(right.length, tasks.length)} (${right.length}/${tasks.length})`,
    [`recall (churners with churn day ≤ day ${DAYS - 14} given a task within ±14 days)`]: `${pct(caught.length, observable.length)} (${caught.length}/${observable.length})`,
    'early (task on or before the churn day)': `${pct(early.length, observable.length)} (${early.length}/${observable.length})`,
    'task day − churn day, median': lead.length === 0 ? '-' : lead[Math.floor(lead.length / 2)]!,
    'contacts with two open tasks': dupes!.n,
    'tasks without their audit rows': unaudited!.n,
    'tasks without a notice': notices!.n,
  }
}

async function main(): Promise<void> {
  const log = pino({ level: process.env['SIM_LOG_LEVEL'] ?? 'warn' })
  const tenant = loadTenant('config/sandbox.yaml')
  const opts = { url: URL, schema: SCHEMA }
  await ensureDatabase(opts)
  const ds = createDataSource(opts)
  await ds.initialize()
  await ds.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`)
  await runMigrations(ds)
  try {
    await seedGroups(ds, tenant)
    const directory = new Directory(tenant)
    const keys = (even: 0 | 1) => Array.from({ length: GROUPS }, (_, g) => `sim-g${g}`).filter((k) => Number(k.slice(5)) % 2 === even)
    const base = loadGrowth('config/growth.yaml', tenant)
    const cfg: GrowthConfig = {
      ...base,
      groupTypes: [
        { key: 'community', name: '会员社群', groups: keys(0), sop: [] },
        { key: 'service', name: '专属服务群', groups: keys(1), sop: [] },
      ],
      // the SOP calendar and flows have their own simulation (bench/sop-flows-sim.ts)
      flows: [],
    }
    const growth = new SqlGrowthStore(ds)
    const churn: ChurnDeps = { churn: new SqlChurnStore(ds), cfg, directory, wording: loadWordingDir('config/wording'), clock: { now: () => new Date() }, log }
    const people = population()
    const customerKey = tenant.customers[0]!.key
    const nights: Night[] = []
    let messages = 0
    let simMs = 0
    for (let d = 0; d < DAYS; d++) {
      const t = performance.now()
      messages += await simulateDay(ds, growth, people, d, customerKey)
      simMs += performance.now() - t
      const truth = new Map(people.filter((c) => c.id !== undefined).map((c) => [c.id!, c]))
      nights.push(await runNight({ growth, churn, cfg }, d, truth))
      if (d % 10 === 9) process.stderr.write(`day ${d + 1}: ${messages} messages, last night ${Math.round(nights.at(-1)!.rulesMs + nights.at(-1)!.churnMs)} ms\n`)
    }
    report(nights, messages, simMs, await evaluate(ds, people), people)
  } finally {
    if (process.env['SIM_KEEP'] !== '1') await ds.query(`DROP SCHEMA ${SCHEMA} CASCADE`)
    await ds.destroy()
  }
}

function report(nights: Night[], messages: number, simMs: number, quality: Record<string, string | number>, people: SimContact[]): void {
  const work = nights.map((n) => n.rulesMs + n.churnMs).sort((a, b) => a - b)
  const q = (p: number) => work[Math.min(work.length - 1, Math.floor(p * work.length))]!
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`
  const rows: Array<[string, string | number]> = [
    ['contacts / groups / days', `${CONTACTS} / ${GROUPS} / ${DAYS} (seed ${SEED})`],
    ['contacts set to churn', people.filter((c) => c.churnDay !== null).length],
    ['messages written', messages],
    ['writing the days (messages, contact activity, events)', s(simMs)],
    ['nightly work (tag rules + churn scores), median night', s(q(0.5))],
    ['nightly work, slowest night', s(work.at(-1)!)],
    [`nightly work, all ${DAYS} nights`, s(work.reduce((a, b) => a + b, 0))],
    ['churn scores alone, slowest night', s(Math.max(...nights.map((n) => n.churnMs)))],
    ['contacts tagged by the nightly rules', nights.reduce((n, x) => n + x.tagged, 0)],
    ...Object.entries(quality),
  ]
  const width = Math.max(...rows.map((r) => r[0].length))
  process.stdout.write(`| ${'figure'.padEnd(width)} | value |\n| ${'-'.repeat(width)} | --- |\n`)
  for (const [k, v] of rows) process.stdout.write(`| ${k.padEnd(width)} | ${v} |\n`)
  const slow = work.at(-1)! >= 60_000 || quality['contacts with two open tasks'] !== 0 || quality['tasks without their audit rows'] !== 0
  if (slow) process.exitCode = 1
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
