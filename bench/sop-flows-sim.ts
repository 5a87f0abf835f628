/**
 * `npx tsx bench/sop-flows-sim.ts`: the SOP calendar and the lifecycle flows over simulated days
 * on real PostgreSQL (the bench database), driven by the use cases with a simulated clock — no
 * Redis: a tick is called where the job scheduler would fire, a due step where its delayed job
 * would. 500 typed groups with a daily and a weekly item, 10,000 contacts joining over the first
 * 60 days into a three-step flow, a third of them replying; the worker is away for 36 hours on
 * day 30 and every sixth tick runs twice side by side. Checks that no occurrence is posted twice,
 * that the missed ones are exactly the outage's, and that runs, steps and tasks agree.
 * SIM_GROUPS, SIM_CONTACTS, SIM_DAYS change the sizes. Writes bench/results/sop-flows-sim.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pino } from 'pino'
import { loadTenant } from '../src/config/load-tenant.js'
import { growthSchema } from '../src/config/growth-schema.js'
import { loadWordingDir } from '../src/config/load-wording-dir.js'
import { Directory } from '../src/app/directory.js'
import { SqlGrowthStore } from '../src/adapters/db/growth-store.js'
import { SqlSopFlowStore } from '../src/adapters/db/sop-flow-store.js'
import { postSopCalendar } from '../src/app/growth/post-sop-calendar.js'
import { runFlowStep, startTriggeredFlows } from '../src/app/growth/run-flows.js'
import { welcomeNewcomers } from '../src/app/growth/welcome-newcomers.js'
import type { SopFlowDeps } from '../src/app/growth/sop-flow-deps.js'
import type { GrowthDeps } from '../src/app/growth/growth-deps.js'
import type { Policy } from '../src/domain/policy.js'
import { policySchema } from '../src/config/policy-schema.js'
import { freshSchema } from './db.js'
import { median, percentile, round } from './stats.js'

const GROUPS = Number(process.env['SIM_GROUPS'] ?? 500)
const CONTACTS = Number(process.env['SIM_CONTACTS'] ?? 10_000)
const DAYS = Number(process.env['SIM_DAYS'] ?? 90)
const HOUR = 3_600_000
/** a tick every three simulated hours (the items are due at 09:00 and 18:00 Shanghai time) */
const TICK = 3 * HOUR
const OUTAGE = { from: 30 * 24 * HOUR, to: 31.5 * 24 * HOUR }

async function main(): Promise<void> {
  const started = Date.now()
  const tenant = loadTenant('config/sandbox.yaml')
  const keys = Array.from({ length: GROUPS }, (_, i) => `sim-${String(i).padStart(3, '0')}`)
  tenant.groups = [...tenant.groups, ...keys.map((key) => ({ key, id: `r-${key}@chatroom`, topic: `模拟社群${key.slice(4)}`, kind: 'customer' as const }))]
  const policy: Policy = { ...policySchema.parse(tenant.policy), quietHours: { start: '23:00', end: '07:00' }, workingDays: [1, 2, 3, 4, 5, 6, 7] }
  const ds = await freshSchema('sop_flows_sim', tenant)
  const cfg = growthSchema.parse({
    dimensions: [{ key: 'lifecycle', name: '生命周期', exclusive: true, stage: true }],
    tags: [
      { name: '新客', dimension: 'lifecycle' },
      { name: '活跃', dimension: 'lifecycle' },
    ],
    rules: [{ id: 'joined-new', when: { event: 'joined_group', groupType: 'sim' }, addTag: '新客' }],
    groupTypes: [
      {
        key: 'sim',
        name: '模拟社群',
        groups: keys,
        sop: [
          { key: 'daily', schedule: '0 9 * * *', text: '早安小贴士', automatic: true, window: '2h' },
          { key: 'weekly', schedule: '0 18 * * 5', text: '周末活动预告', automatic: true, window: '1h' },
        ],
      },
    ],
    flows: [
      {
        key: 'activate',
        name: '新客激活',
        trigger: { event: 'joined_group', groupType: 'sim' },
        exitOnReply: true,
        steps: [
          { delay: '1d', action: { kind: 'task', text: '请欢迎{name}' } },
          { delay: '2d', when: { notReplied: true }, action: { kind: 'send', automatic: true, text: '{name}您好' } },
          { delay: '4d', action: { kind: 'set_stage', stage: '活跃' } },
        ],
      },
    ],
  })
  const t0 = Date.parse('2026-09-01T00:00:00+08:00')
  let now = t0
  const clock = { now: () => new Date(now) }
  const log = pino({ level: 'warn' })
  const directory = new Directory(tenant)
  const growth: GrowthDeps = { growth: new SqlGrowthStore(ds), cfg, directory, policy, clock, log }
  const deps: SopFlowDeps = { store: new SqlSopFlowStore(ds), cfg, directory, policy, wording: loadWordingDir('config/wording'), knowledgeText: () => null, clock, log }

  // who joins when (over the first 60 days, 07:00-22:00), and who replies (a third, 1-5 days later)
  let seed = 20
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  const joins = Array.from({ length: CONTACTS }, (_, i) => ({
    id: `wx-sim-${i}`,
    name: `客户${i}`,
    group: keys[i % GROUPS]!,
    at: t0 + Math.floor(rand() * 60) * 24 * HOUR + (7 + rand() * 15) * HOUR,
    replyAfter: rand() < 1 / 3 ? (1 + rand() * 4) * 24 * HOUR : null,
  }))
  joins.sort((a, b) => a.at - b.at)
  let nextJoin = 0
  const tickMs: number[] = []
  const stepMs: number[] = []
  let stepsRun = 0
  let doubled = 0
  await startTriggeredFlows(deps) // the flows' place in the (empty) log
  for (let n = 0; now <= t0 + DAYS * 24 * HOUR; n++, now = t0 + n * TICK) {
    // what happened since the last tick: joins (as room-join events) and replies
    const due: typeof joins = []
    while (nextJoin < joins.length && joins[nextJoin]!.at <= now) due.push(joins[nextJoin++]!)
    for (const [group, members] of groupBy(due, (j) => j.group)) {
      await welcomeNewcomers(growth, { roomId: `r-${group}@chatroom`, members: members.map((m) => ({ id: m.id, name: m.name })), at: new Date(now) })
    }
    const replied = joins.filter((j, i) => i < nextJoin && j.replyAfter !== null && j.at + j.replyAfter <= now && j.at + j.replyAfter > now - TICK).map((j) => j.id)
    if (replied.length > 0) await ds.query(`UPDATE contacts SET last_inbound_at = $1 WHERE wecom_id = ANY($2::text[])`, [new Date(now), replied])
    if (now - t0 >= OUTAGE.from && now - t0 < OUTAGE.to) continue
    const t = Date.now()
    if (n % 6 === 0) {
      doubled++
      await Promise.all([postSopCalendar(deps), postSopCalendar(deps)])
      await Promise.all([startTriggeredFlows(deps), startTriggeredFlows(deps)])
    } else {
      await postSopCalendar(deps)
      await startTriggeredFlows(deps)
    }
    tickMs.push(Date.now() - t)
    // the due steps, as their delayed jobs would fire them (a step's next one may fall due too)
    for (;;) {
      const ids: { id: string }[] = await ds.query(`SELECT id FROM flow_steps WHERE status = 'pending' AND due_at <= $1 ORDER BY id LIMIT 500`, [new Date(now)])
      if (ids.length === 0) break
      for (const { id } of ids) {
        const s = Date.now()
        await runFlowStep(deps, Number(id))
        stepMs.push(Date.now() - s)
        stepsRun++
      }
    }
  }
  const q = async (sql: string) => ((await ds.query(sql)) as Array<Record<string, number>>)[0]!
  const occ = await q(`SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'sent')::int AS sent, count(*) FILTER (WHERE status = 'missed')::int AS missed,
      count(*) FILTER (WHERE on_time)::int AS on_time, count(DISTINCT send_id)::int AS distinct_sends FROM sop_occurrences`)
  const sends = await q(`SELECT count(*) FILTER (WHERE kind = 'sop')::int AS sop, count(*) FILTER (WHERE kind = 'flow')::int AS flow, count(*) FILTER (WHERE kind = 'notice')::int AS notices FROM sends`)
  const dupPosts = await q(`SELECT count(*)::int AS n FROM (SELECT group_key, text, date_trunc('hour', created_at) FROM sends WHERE kind = 'sop' GROUP BY 1, 2, 3 HAVING count(*) > 1) d`)
  const missedOutside = await q(
    `SELECT count(*)::int AS n FROM sop_occurrences WHERE status = 'missed' AND NOT (due_at >= '${new Date(t0 + OUTAGE.from - 2 * HOUR).toISOString()}' AND due_at < '${new Date(t0 + OUTAGE.to).toISOString()}')`,
  )
  const runs = await q(`SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'completed')::int AS completed, count(*) FILTER (WHERE status = 'exited' AND exit_reason = 'replied')::int AS exited,
      count(*) FILTER (WHERE status = 'running')::int AS running FROM flow_runs`)
  const steps = await q(`SELECT count(*) FILTER (WHERE status = 'done')::int AS done, count(*) FILTER (WHERE status = 'skipped')::int AS skipped, count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
      count(*) FILTER (WHERE status = 'pending')::int AS pending, count(*) FILTER (WHERE status = 'done' AND outcome->>'action' = 'task')::int AS tasks FROM flow_steps`)
  const inconsistent = await q(`SELECT count(*)::int AS n FROM flow_runs r WHERE (r.status = 'completed' AND (SELECT count(*) FROM flow_steps s WHERE s.run_id = r.id AND s.status IN ('done','skipped')) <> 3)
      OR (r.status = 'exited' AND r.exit_reason = 'replied' AND NOT EXISTS (SELECT 1 FROM flow_steps s WHERE s.run_id = r.id AND s.status = 'cancelled'))`)
  const result = {
    sizes: { groups: GROUPS, contacts: CONTACTS, days: DAYS, ticks: tickMs.length, doubledTicks: doubled },
    seconds: round((Date.now() - started) / 1000, 1),
    tickMs: { p50: median(tickMs), p99: percentile(tickMs, 99), max: Math.max(...tickMs) },
    stepMs: { p50: median(stepMs), p99: percentile(stepMs, 99), run: stepsRun },
    occurrences: occ,
    sends,
    checks: {
      duplicateSopPosts: dupPosts['n'],
      sentEqualsSopSends: occ['sent'] === sends['sop'] && occ['distinct_sends'] === occ['sent'],
      missedOutsideOutage: missedOutside['n'],
      tasksEqualTaskNotices: steps['tasks'] === sends['notices'],
      inconsistentRuns: inconsistent['n'],
    },
    runs,
    steps,
  }
  const out = resolve(import.meta.dirname, 'results')
  mkdirSync(out, { recursive: true })
  writeFileSync(resolve(out, 'sop-flows-sim.json'), `${JSON.stringify(result, null, 2)}\n`)
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  await ds.destroy()
  const c = result.checks
  if (c.duplicateSopPosts !== 0 || !c.sentEqualsSopSends || c.missedOutsideOutage !== 0 || !c.tasksEqualTaskNotices || c.inconsistentRuns !== 0) process.exitCode = 1
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>()
  for (const i of items) m.set(key(i), [...(m.get(key(i)) ?? []), i])
  return m
}

void main()
