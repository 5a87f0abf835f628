import pg from 'pg'
import type { DataSource } from 'typeorm'
import { BENCH_DATABASE_URL } from './db.js'
import { generateMessages, warmupItems, type SayItem } from './messages.js'
import { forkTs, waitFor, type Gateway } from './procs.js'
import type { BatonProcess } from './stack.js'
import { percentile, sleep, until } from './stats.js'
import type { BenchWorld } from './tenant.js'

export interface IngestRep {
  messages: number
  ms: number
  perSecond: number
}

/** Baseline: a bare Wechaty client that only reads text and room, on the same gateway. */
export async function bareIngest(gw: Gateway, world: BenchWorld, reps: number, n: number, seed: number): Promise<IngestRep[]> {
  const bare = forkTs('bare-client.ts', [], gw.env)
  try {
    await waitFor(bare, (m: { type: string }) => m.type === 'ready', 60_000)
    const warmup = warmupItems(world)
    let total = warmup.length
    bare.send({ op: 'expect', total })
    const warmed = waitFor<{ type: string }>(bare, (m) => m.type === 'seen', 120_000)
    await gw.push(warmup)
    await warmed
    const out: IngestRep[] = []
    for (let rep = 0; rep < reps; rep++) {
      const items = generateMessages(world, n, seed + rep)
      total += n
      bare.send({ op: 'expect', total })
      const done = waitFor<{ type: string; at: number; seen: number }>(bare, (m) => m.type === 'seen', 600_000)
      const t0 = Date.now()
      await gw.push(items)
      const d = await done
      out.push({ messages: n, ms: d.at - t0, perSecond: n / ((d.at - t0) / 1000) })
    }
    return out
  } finally {
    bare.send({ op: 'stop' })
    await new Promise((r) => (bare.exitCode !== null ? r(null) : bare.once('exit', r)))
  }
}

interface Counted {
  total: number
  handled: number
}

async function countSince(ds: DataSource, baseId: number): Promise<Counted> {
  const [r] = (await ds.query(`SELECT count(*)::int AS total, count(handled_at)::int AS handled FROM messages WHERE id > $1 AND direction = 'inbound'`, [baseId])) as Counted[]
  return r!
}

async function maxMessageId(ds: DataSource): Promise<number> {
  const [r] = (await ds.query(`SELECT coalesce(max(id), 0) AS id FROM messages`)) as Array<{ id: string }>
  return Number(r!.id)
}

/**
 * Correctness of one batch: exactly the pushed messages are stored (per group and per type),
 * none twice (unique wecom_id), every one decided.
 */
async function checkStored(ds: DataSource, baseId: number, items: SayItem[]): Promise<string[]> {
  const problems: string[] = []
  const want = new Map<string, number>()
  for (const it of items) {
    const k = `${it.group}/${it.image ? 'image' : 'text'}`
    want.set(k, (want.get(k) ?? 0) + 1)
  }
  const rows = (await ds.query(
    `SELECT group_key || '/' || type AS k, count(*)::int AS n, count(DISTINCT wecom_id)::int AS d, count(handled_at)::int AS h
       FROM messages WHERE id > $1 AND direction = 'inbound' GROUP BY 1`,
    [baseId],
  )) as Array<{ k: string; n: number; d: number; h: number }>
  const got = new Map(rows.map((r) => [r.k, r]))
  for (const [k, n] of want) {
    const r = got.get(k)
    if (!r || r.n !== n) problems.push(`${k}: pushed ${n}, stored ${r?.n ?? 0}`)
    else if (r.d !== n) problems.push(`${k}: ${n - r.d} stored twice`)
    else if (r.h !== n) problems.push(`${k}: ${n - r.h} not decided`)
  }
  for (const k of got.keys()) if (!want.has(k)) problems.push(`${k}: stored but never pushed`)
  return problems
}

/** Pushes a batch as fast as the gateway goes and waits until Baton decided every message. */
export async function pushAndSettle(gw: Pick<Gateway, 'push'>, ds: DataSource, items: SayItem[], timeoutMs = 600_000): Promise<{ ms: number; problems: string[] }> {
  const baseId = await maxMessageId(ds)
  const t0 = Date.now()
  await gw.push(items)
  // done when all are decided; a batch that stops making progress for 20 s is reported, not waited on
  let last = -1
  let progressAt = Date.now()
  for (;;) {
    const c = await countSince(ds, baseId)
    if (c.handled >= items.length) break
    if (c.handled !== last) {
      last = c.handled
      progressAt = Date.now()
    } else if (Date.now() - progressAt > 20_000 || Date.now() - t0 > timeoutMs) break
    await sleep(100)
  }
  const ms = Date.now() - t0
  await sleep(200)
  return { ms, problems: await checkStored(ds, baseId, items) }
}

/** With `cpuMs` (Baton's CPU time so far), each repetition's CPU time per message is measured too. */
export async function batonIngest(
  gw: Gateway,
  ds: DataSource,
  world: BenchWorld,
  reps: number,
  n: number,
  seed: number,
  cpuMs?: () => number,
): Promise<{ reps: IngestRep[]; problems: string[]; cpuMsPerMessage: number[] }> {
  const out: IngestRep[] = []
  const problems: string[] = []
  const cpuMsPerMessage: number[] = []
  const warm = await pushAndSettle(gw, ds, warmupItems(world))
  problems.push(...warm.problems.map((p) => `warm-up: ${p}`))
  await drainSends(ds)
  for (let rep = 0; rep < reps; rep++) {
    const items = generateMessages(world, n, seed + rep)
    const before = cpuMs?.()
    const r = await pushAndSettle(gw, ds, items)
    if (cpuMs && before !== undefined) cpuMsPerMessage.push((cpuMs() - before) / n)
    problems.push(...r.problems.map((p) => `rep ${rep + 1}: ${p}`))
    out.push({ messages: n, ms: r.ms, perSecond: n / (r.ms / 1000) })
    await drainSends(ds)
  }
  return { reps: out, problems, cpuMsPerMessage }
}

/** Waits until the outbound queue has delivered what the last batch queued (review notices…). */
export async function drainSends(ds: DataSource, timeoutMs = 120_000): Promise<void> {
  await until(
    async () => {
      const [r] = (await ds.query(`SELECT count(*)::int AS n FROM sends WHERE status IN ('queued','sending')`)) as Array<{ n: number }>
      return r!.n === 0
    },
    timeoutMs,
    250,
    'queued sends to be delivered',
  ).catch(() => undefined)
}

export interface LatencyRep {
  messages: number
  p50: number
  p90: number
  p99: number
  max: number
}

/**
 * Decision latency at a steady rate: from the message event (the gateway's timestamp on the
 * message) to the commit of its decision, seen through a NOTIFY fired by the decision's UPDATE
 * (PostgreSQL delivers notifications at commit).
 */
export async function decisionLatency(
  gw: Gateway,
  ds: DataSource,
  schema: string,
  world: BenchWorld,
  reps: number,
  ratePerSec: number,
  seconds: number,
  seed: number,
): Promise<{ reps: LatencyRep[]; problems: string[] }> {
  const q = (_: string) => pg.escapeIdentifier(_)
  await ds.query(`
    CREATE OR REPLACE FUNCTION ${q(schema)}.bench_notify_decided() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- the message id makes every payload unique: PostgreSQL delivers identical notifications of
      -- one transaction once, and a batch may decide two messages said in the same millisecond
      PERFORM pg_notify('bench_decided', NEW.id || ':' || (extract(epoch FROM NEW.said_at) * 1000)::bigint::text);
      RETURN NULL;
    END $$`)
  await ds.query(`DROP TRIGGER IF EXISTS bench_decided ON ${q(schema)}.messages`)
  await ds.query(`CREATE TRIGGER bench_decided AFTER UPDATE OF handled_at ON ${q(schema)}.messages FOR EACH ROW
                  WHEN (OLD.handled_at IS NULL AND NEW.handled_at IS NOT NULL AND NEW.direction = 'inbound') EXECUTE FUNCTION ${q(schema)}.bench_notify_decided()`)
  const listener = new pg.Client({ connectionString: BENCH_DATABASE_URL })
  await listener.connect()
  let samples: number[] = []
  listener.on('notification', (n) => {
    const at = Date.now()
    samples.push(at - Number(n.payload?.split(':')[1]))
  })
  await listener.query('LISTEN bench_decided')
  const out: LatencyRep[] = []
  const problems: string[] = []
  try {
    for (let rep = 0; rep < reps; rep++) {
      const items = generateMessages(world, Math.round(ratePerSec * seconds), seed + rep)
      samples = []
      const baseId = await maxMessageId(ds)
      await gw.push(items, ratePerSec)
      await until(async () => samples.length >= items.length, 60_000, 50, 'every decision notified').catch(() => undefined)
      const got = samples
      if (got.length !== items.length) problems.push(`rep ${rep + 1}: ${items.length} pushed, ${got.length} decisions seen`)
      problems.push(...(await checkStored(ds, baseId, items)).map((p) => `rep ${rep + 1}: ${p}`))
      out.push({ messages: got.length, p50: percentile(got, 50), p90: percentile(got, 90), p99: percentile(got, 99), max: percentile(got, 100) })
      await drainSends(ds)
    }
  } finally {
    await listener.end()
    await ds.query(`DROP TRIGGER IF EXISTS bench_decided ON ${q(schema)}.messages`)
  }
  return { reps: out, problems }
}

/**
 * The approve round trip: a handler types `/approve <draft>` in the internal group; measured
 * until the customer group receives the draft's text (seen at the gateway).
 */
export async function approveRoundTrip(gw: Gateway, ds: DataSource, world: BenchWorld, count: number): Promise<{ samples: number[]; problems: string[] }> {
  await drainSends(ds)
  const drafts = (await ds.query(`SELECT id, target_group_key AS g, text FROM drafts WHERE status = 'pending' AND target_group_key LIKE 'cust-%' ORDER BY id LIMIT $1`, [count])) as Array<{
    id: string
    g: string
    text: string
  }>
  const problems: string[] = []
  if (drafts.length < count) problems.push(`only ${drafts.length} pending customer drafts to approve (wanted ${count})`)
  await gw.request({ op: 'watch', on: true })
  const samples: number[] = []
  try {
    for (const [i, d] of drafts.entries()) {
      const handler = world.handlers[i % world.handlers.length]!
      const from = gw.botSaid.length
      const t0 = Date.now()
      await gw.push([{ kind: 'internal_note', as: handler.id, group: world.internalGroup, text: `/approve ${d.id}` }])
      const seen = await until(async () => gw.botSaid.slice(from).find((l) => l.group === d.g && l.text === d.text) ?? null, 10_000, 2, `draft ${d.id} delivered`).catch(() => null)
      if (!seen) {
        problems.push(`draft ${d.id}: not delivered to ${d.g} within 10 s`)
        continue
      }
      samples.push(seen.at - t0)
    }
    await sleep(500)
    const [r] = (await ds.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE s.status = 'sent')::int AS sent, count(DISTINCT s.draft_id)::int AS distinct_drafts
         FROM sends s WHERE s.kind = 'draft' AND s.draft_id = ANY($1::bigint[])`,
      [drafts.map((d) => d.id)],
    )) as Array<{ n: number; sent: number; distinct_drafts: number }>
    if (r!.n !== drafts.length || r!.distinct_drafts !== drafts.length || r!.sent !== drafts.length)
      problems.push(`approved ${drafts.length} drafts: ${r!.n} sends, ${r!.sent} sent, ${r!.distinct_drafts} distinct`)
    const deliveredTexts = gw.botSaid.filter((l) => drafts.some((d) => d.g === l.group && d.text === l.text)).length
    if (deliveredTexts < drafts.length) problems.push(`customer groups received ${deliveredTexts} of ${drafts.length} approved texts`)
  } finally {
    await gw.request({ op: 'watch', on: false })
  }
  return { samples, problems }
}

/** RSS of the all-in-one process while it takes `total` messages, sampled every `step`. */
export async function memoryTrend(
  gw: Gateway,
  ds: DataSource,
  baton: BatonProcess,
  world: BenchWorld,
  already: number,
  checkpoints: number[],
  step: number,
  seed: number,
): Promise<{ samples: Array<{ messages: number; rssMb: number }>; problems: string[] }> {
  const samples: Array<{ messages: number; rssMb: number }> = [{ messages: already, rssMb: baton.rssBytes() / 2 ** 20 }]
  const problems: string[] = []
  let done = already
  let rep = 0
  const last = checkpoints[checkpoints.length - 1]!
  while (done < last) {
    const next = Math.min(last, ...checkpoints.filter((c) => c > done), done + step)
    const items = generateMessages(world, next - done, seed + rep++)
    const r = await pushAndSettle(gw, ds, items)
    problems.push(...r.problems.map((p) => `at ${next}: ${p}`))
    done = next
    samples.push({ messages: done, rssMb: baton.rssBytes() / 2 ** 20 })
  }
  return { samples, problems }
}
