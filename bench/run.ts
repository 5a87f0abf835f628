/**
 * `npm run bench`: Baton on the real stack (PostgreSQL, a private Redis, a local
 * wechaty-puppet-service gateway backed by wechaty-puppet-mock), measured against baselines taken
 * in the same run. Writes bench/results/latest.{json,md} (BENCH_QUICK=1: quick.{json,md}).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { resolve } from 'node:path'
import { execSync } from 'node:child_process'
import { freshSchema, growthSchema, seedOpenCases } from './db.js'
import { approveRoundTrip, bareIngest, batonIngest, decisionLatency, drainSends, memoryTrend, pushAndSettle, type IngestRep } from './ingest.js'
import { generateMessages } from './messages.js'
import { hotQueryPlans, type Plan } from './plans.js'
import { Gateway } from './procs.js'
import { renderMarkdown, type Line } from './report.js'
import { startBatonProcess, startPrivateRedis } from './stack.js'
import { median, percentile, round } from './stats.js'
import { timersAndRecovery } from './timers.js'
import { benchWorld, writeBenchTenant } from './tenant.js'
import { twoAccountIngest } from './two-accounts.js'

const QUICK = process.env['BENCH_QUICK'] === '1'
const SIZES = QUICK
  ? { n: 2000, reps: 2, latencySeconds: 5, latencyReps: 1, approvals: 20, memory: [10_000, 20_000], memoryStep: 5000, growth: { messages: 100_000, cases: 10_000 }, timers: { cases: 10_000, due: 1000 } }
  : {
      n: 20_000,
      reps: 3,
      latencySeconds: 20,
      latencyReps: 3,
      approvals: 100,
      memory: [100_000, 200_000],
      memoryStep: 20_000,
      growth: { messages: 1_000_000, cases: 100_000 },
      timers: { cases: 100_000, due: 10_000 },
    }
const RATE = 100
// development overrides of the ingest size
if (process.env['BENCH_N']) SIZES.n = Number(process.env['BENCH_N'])
if (process.env['BENCH_REPS']) SIZES.reps = Number(process.env['BENCH_REPS'])

const started = Date.now()
const stamp = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`
const say = (s: string) => process.stdout.write(`[bench ${stamp()}] ${s}\n`)
const rates = (reps: IngestRep[]) => reps.map((r) => round(r.perSecond, 0))

async function main(): Promise<void> {
  const outDir = resolve(import.meta.dirname, 'results')
  const workDir = resolve(import.meta.dirname, '.work')
  mkdirSync(outDir, { recursive: true })
  const cpuProfDir = process.env['BENCH_CPU_PROF'] ? resolve(workDir, 'cpu-prof') : undefined
  const world = benchWorld()
  const tenantFile = resolve(workDir, 'tenant.yaml')
  const tenant = writeBenchTenant(tenantFile, world)
  const twoTenantFile = resolve(workDir, 'tenant-two-accounts.yaml')
  say(
    `${QUICK ? 'QUICK mode' : 'full run'}: ${SIZES.n} messages × ${SIZES.reps} repetitions, ${world.customers.length + world.partners.length + 2} groups, ${world.customers.reduce((n, c) => n + c.orders.length, 0)} open cases`,
  )

  const redis = await startPrivateRedis()
  // Stopping a puppet-service client stops the gateway's puppet: each Baton process gets its own gateway
  let gw = await Gateway.start(tenantFile)
  say(`private Redis on ${redis.port}, gateway on ${gw.endpoint}`)
  const problems: Record<string, string[]> = {}
  const lines: Line[] = []
  const result: Record<string, unknown> = {}
  try {
    if (process.env['BENCH_ONLY'] === 'timers') {
      // development aid: only the timers and recovery lines
      const t = await timersAndRecovery(redis, tenant, world, SIZES.timers)
      say(JSON.stringify({ ...t, problems: t.problems }))
      return
    }
    // 1. baseline: a bare Wechaty client on the same gateway (not needed by the two-account line alone)
    const bare = process.env['BENCH_ONLY'] === 'two-accounts' ? [] : await bareIngest(gw, world, SIZES.reps, SIZES.n, 1000)
    say(`bare client: ${rates(bare).join(', ')} msg/s`)

    // 2. Baton all-in-one on an empty database (plus the 1,000 open cases)
    const ingestSchema = 'bench_ingest'
    const ds = await freshSchema(ingestSchema, tenant)
    await seedOpenCases(ds, world)
    let baton = await startBatonProcess({
      logFile: resolve(workDir, 'baton-ingest.log'),
      schema: ingestSchema,
      tenantFile,
      redisUrl: redis.url,
      prefix: 'bi',
      gatewayEnv: gw.env,
      ...(cpuProfDir ? { cpuProfDir } : {}),
    })
    say(`Baton all-in-one up (pid ${baton.child.pid}), RSS ${(baton.rssBytes() / 2 ** 20).toFixed(0)} MB`)
    if (process.env['BENCH_ONLY'] === 'latency') {
      // development aid: only the decision latency line, on the seeded cases after a short ingest
      // (in the full run it follows 60,000 messages: a cold process spent its first ten seconds
      // compiling and measured that instead)
      await pushAndSettle(gw, ds, generateMessages(world, 4000, 500))
      await drainSends(ds)
      const l = await decisionLatency(gw, ds, ingestSchema, world, SIZES.latencyReps, RATE, SIZES.latencySeconds, 2000)
      say(`decision latency at ${RATE} msg/s: ${l.reps.map((r) => `p50 ${r.p50} / p90 ${r.p90} / p99 ${r.p99} / max ${r.max}`).join('; ')}${l.problems.length ? `; PROBLEMS: ${l.problems.join('; ')}` : ''}`)
      await baton.stop()
      await ds.destroy()
      return
    }
    const empty = await batonIngest(gw, ds, world, SIZES.reps, SIZES.n, 1000, () => baton.cpuMs())
    problems['ingest'] = empty.problems
    say(
      `Baton ingest (empty db): ${rates(empty.reps).join(', ')} msg/s, CPU ${empty.cpuMsPerMessage.map((c) => c.toFixed(2)).join(', ')} ms/msg, RSS ${(baton.rssBytes() / 2 ** 20).toFixed(0)} MB${empty.problems.length ? `; PROBLEMS: ${empty.problems.join('; ')}` : ''}`,
    )
    if (process.env['BENCH_ONLY'] === 'ingest') {
      // development aid (with BENCH_CPU_PROF=1: a CPU profile of Baton in bench/.work/cpu-prof)
      await baton.stop()
      await ds.destroy()
      return
    }

    // 2b. the same ingest through two gateways (two accounts) at once, a Baton process per account
    const two = await twoAccountIngest({ tenantFile: twoTenantFile, tenant: writeBenchTenant(twoTenantFile, world, { twoAccounts: true }), world, redis, workDir, reps: SIZES.reps, n: SIZES.n, seed: 1000 })
    problems['two-accounts'] = two.problems
    const twoCost = median(two.cpuMsPerMessage) / median(empty.cpuMsPerMessage)
    say(
      `two accounts: ${rates(two.reps).join(', ')} msg/s, CPU ${two.cpuMsPerMessage.map((c) => c.toFixed(2)).join(', ')} ms/msg (one account ${median(empty.cpuMsPerMessage).toFixed(2)}) = ${twoCost.toFixed(2)}×, ${two.heardTwice} heard by both${two.problems.length ? `; PROBLEMS: ${two.problems.join('; ')}` : ''}`,
    )
    if (process.env['BENCH_ONLY'] === 'two-accounts') {
      await baton.stop()
      await ds.destroy()
      return
    }

    const latency = await decisionLatency(gw, ds, ingestSchema, world, SIZES.latencyReps, RATE, SIZES.latencySeconds, 2000)
    problems['latency'] = latency.problems
    say(`decision latency at ${RATE} msg/s: p99 ${latency.reps.map((r) => r.p99).join(', ')} ms`)

    const approve = await approveRoundTrip(gw, ds, world, SIZES.approvals)
    problems['approve'] = approve.problems
    say(`approve round trip: p50 ${percentile(approve.samples, 50)} ms, p99 ${percentile(approve.samples, 99)} ms`)

    const [handled] = (await ds.query(`SELECT count(*)::int AS n FROM messages WHERE direction = 'inbound'`)) as Array<{ n: number }>
    const memory = await memoryTrend(gw, ds, baton, world, handled!.n, SIZES.memory, SIZES.memoryStep, 3000)
    problems['memory'] = memory.problems
    say(`memory: ${memory.samples.map((s) => `${s.messages}: ${s.rssMb.toFixed(0)} MB`).join(', ')}`)
    await baton.stop()
    await ds.destroy()
    await gw.stop()
    gw = await Gateway.start(tenantFile)

    // 3. growth: the same ingest with 1,000,000 messages and 100,000 cases already stored
    say(`growth database: ${SIZES.growth.messages} messages, ${SIZES.growth.cases} cases…`)
    const growth = await growthSchema('bench_growth', tenant, world, SIZES.growth)
    say(`growth database ${growth.seed.reused ? 'reused' : `seeded in ${(growth.seed.seededMs / 1000).toFixed(0)} s`}`)
    baton = await startBatonProcess({ logFile: resolve(workDir, 'baton-growth.log'), schema: 'bench_growth', tenantFile, redisUrl: redis.url, prefix: 'bg', gatewayEnv: gw.env })
    const grown = await batonIngest(gw, growth.ds, world, SIZES.reps, SIZES.n, 1000)
    problems['growth'] = grown.problems
    say(`Baton ingest (grown db): ${rates(grown.reps).join(', ')} msg/s`)
    await baton.stop()
    const plans: Plan[] = await hotQueryPlans(growth.ds, world)
    await growth.ds.destroy()

    // 4. timers and recovery
    const timers = await timersAndRecovery(redis, tenant, world, SIZES.timers)
    problems['timers'] = timers.problems
    say(`timers: scheduled ${SIZES.timers.cases} in ${timers.scheduleMs} ms, lateness p99 ${timers.lateness.p99} ms, recovery ${timers.recovery.ms} ms`)

    // the table
    const bareRate = median(bare.map((r) => r.perSecond))
    const emptyRate = median(empty.reps.map((r) => r.perSecond))
    const grownRate = median(grown.reps.map((r) => r.perSecond))
    const ratio = emptyRate / bareRate
    const costRatio = emptyRate / grownRate
    const p = (xs: number[], q: number) => percentile(xs, q)
    const lat = { p50: median(latency.reps.map((r) => r.p50)), p90: median(latency.reps.map((r) => r.p90)), p99: median(latency.reps.map((r) => r.p99)) }
    const mem100 = memory.samples.find((s) => s.messages === SIZES.memory[0])?.rssMb ?? NaN
    const mem200 = memory.samples.find((s) => s.messages === SIZES.memory[1])?.rssMb ?? NaN
    const ok = (area: string) => (problems[area] ?? []).length === 0
    lines.push(
      {
        what: 'ingest throughput',
        target: `≥ 0.8× bare client, each message stored once`,
        measured: `${emptyRate.toFixed(0)} vs ${bareRate.toFixed(0)} msg/s = ${ratio.toFixed(2)}× (${SIZES.n} msgs × ${SIZES.reps})`,
        met: ratio >= 0.8 && ok('ingest'),
      },
      {
        what: 'two accounts',
        target: 'ingest through both gateways at once, each message stored once, ≤ 1.2× one account CPU per message',
        measured: `${median(two.reps.map((r) => r.perSecond)).toFixed(0)} msg/s, ${median(two.cpuMsPerMessage).toFixed(2)} vs ${median(empty.cpuMsPerMessage).toFixed(2)} ms CPU/msg = ${twoCost.toFixed(2)}× (${two.heardTwice.toLocaleString('en')} msgs heard by both)`,
        met: twoCost <= 1.2 && ok('two-accounts'),
      },
      {
        what: 'decision latency',
        target: `p99 ≤ 50 ms at ${RATE} msg/s`,
        measured: `p50 ${lat.p50} / p90 ${lat.p90} / p99 ${lat.p99} ms`,
        met: lat.p99 <= 50 && ok('latency'),
      },
      {
        what: 'growth',
        target: '≤ 1.3× empty-db cost per message',
        measured: `${grownRate.toFixed(0)} msg/s with ${SIZES.growth.messages.toLocaleString('en')} msgs + ${SIZES.growth.cases.toLocaleString('en')} cases = ${costRatio.toFixed(2)}×`,
        met: costRatio <= 1.3 && ok('growth'),
      },
      {
        what: 'timers',
        target: 'lateness p99 ≤ 1 s, no reminder twice',
        measured: `${SIZES.timers.cases.toLocaleString('en')} scheduled in ${(timers.scheduleMs / 1000).toFixed(1)} s, ${timers.redisBytesPerTimer.toFixed(0)} B/timer in Redis; ${SIZES.timers.due.toLocaleString('en')} due in 1 s: lateness p50 ${timers.lateness.p50} / p99 ${timers.lateness.p99} ms, ${timers.remindersTwice} twice`,
        met: timers.lateness.p99 <= 1000 && timers.remindersTwice === 0 && ok('timers'),
      },
      {
        what: 'recovery',
        target: 'all timers back ≤ 30 s after FLUSHALL',
        measured: `${timers.recovery.pending.toLocaleString('en')} back in ${(timers.recovery.ms / 1000).toFixed(1)} s, ${timers.recovery.missing} lost, ${timers.recovery.extra} extra`,
        met: timers.recovery.ms <= 30_000 && timers.recovery.missing === 0 && timers.recovery.extra === 0,
      },
      {
        what: 'approve round trip',
        target: 'p99 ≤ 300 ms',
        measured: `p50 ${p(approve.samples, 50)} / p99 ${p(approve.samples, 99)} ms (${approve.samples.length} approvals)`,
        met: p(approve.samples, 99) <= 300 && ok('approve'),
      },
      {
        what: 'memory',
        target: '≤ 300 MB, no upward trend',
        measured: `RSS ${mem100.toFixed(0)} MB after ${SIZES.memory[0]!.toLocaleString('en')}, ${mem200.toFixed(0)} MB after ${SIZES.memory[1]!.toLocaleString('en')} msgs`,
        met: mem100 <= 300 && mem200 <= 300 && mem200 <= mem100 * 1.1 && ok('memory'),
      },
    )
    Object.assign(result, {
      mode: QUICK ? 'quick' : 'full',
      startedAt: new Date(started).toISOString(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', loadavgAtEnd: loadavg().map((x) => round(x, 2)), node: process.version, commit: gitCommit() },
      sizes: SIZES,
      lines,
      ingest: { bare, batonEmpty: empty.reps, batonGrown: grown.reps, ratio: round(ratio, 3), costRatio: round(costRatio, 3), cpuMsPerMessage: empty.cpuMsPerMessage.map((c) => round(c, 3)) },
      twoAccounts: { reps: two.reps, cpuMsPerMessage: two.cpuMsPerMessage.map((c) => round(c, 3)), costRatio: round(twoCost, 3), heardTwice: two.heardTwice },
      latency: { ratePerSec: RATE, reps: latency.reps, median: lat },
      approve: { samplesMs: approve.samples, p50: p(approve.samples, 50), p90: p(approve.samples, 90), p99: p(approve.samples, 99) },
      memory: memory.samples.map((s) => ({ messages: s.messages, rssMb: round(s.rssMb, 1) })),
      growthSeed: growth.seed,
      timers,
      plans,
      problems,
    })
  } finally {
    await gw.stop().catch(() => undefined)
    await redis.stop().catch(() => undefined)
  }
  const base = QUICK ? 'quick' : 'latest'
  const md = renderMarkdown(result as never)
  writeFileSync(resolve(outDir, `${base}.json`), `${JSON.stringify(result, null, 2)}\n`)
  writeFileSync(resolve(outDir, `${base}.md`), md)
  process.stdout.write(`\n${md.split('\n## ')[0]}\n`)
  say(`results written to bench/results/${base}.json and ${base}.md`)
  const wrong = Object.entries(problems).flatMap(([k, v]) => v.map((x) => `${k}: ${x}`))
  if (wrong.length > 0) {
    process.stdout.write(`\nCORRECTNESS PROBLEMS (the run fails):\n${wrong.map((w) => `  - ${w}`).join('\n')}\n`)
    process.exitCode = 1
  }
}

function gitCommit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

main().then(
  () => process.exit(),
  (err: Error) => {
    process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`)
    process.exit(2)
  },
)
