import { resolve } from 'node:path'
import type { DataSource } from 'typeorm'
import type { Tenant } from '../src/config/load-tenant.js'
import { freshSchema, seedOpenCases } from './db.js'
import { drainSends, pushAndSettle, type IngestRep } from './ingest.js'
import { generateMessages, warmupItems, type SayItem } from './messages.js'
import { Gateway } from './procs.js'
import { startBatonProcess, type BatonProcess, type PrivateRedis } from './stack.js'
import { benchAccountsOf, type BenchWorld } from './tenant.js'

export interface TwoAccountIngest {
  reps: IngestRep[]
  /** Baton's CPU time (both processes) per message, per repetition */
  cpuMsPerMessage: number[]
  /** messages that reached Baton twice (said in a group both accounts sit in) */
  heardTwice: number
  problems: string[]
}

/**
 * WeCom's time stamp for each item. A message said in a group both accounts sit in reaches Baton
 * once per account with one stamp, and is recorded under what was said, by whom, where and in
 * which second: the same person saying the same text in one group gets a later second each time
 * (a few seconds ahead of now at most), so a batch stays `n` distinct messages. Never earlier than
 * now: a message that looks late is judged by the replay rule, which is not what this line measures.
 */
function stamper(world: BenchWorld): (items: SayItem[]) => number[] {
  const lastSecond = new Map<string, number>()
  return (items) => {
    const now = Math.floor(Date.now() / 1000)
    return items.map((it) => {
      if (benchAccountsOf(world, it.group).length < 2) return now * 1000
      const key = `${it.group}\u0000${it.as}\u0000${it.image ?? ''}\u0000${it.text ?? ''}`
      const second = Math.max(now, (lastSecond.get(key) ?? 0) + 1)
      lastSecond.set(key, second)
      return second * 1000
    })
  }
}

/**
 * The ingest line with two WeCom accounts: a gateway per account, a Baton process per account
 * (`all` with BATON_ACCOUNT), one schema and one Redis. Each batch is pushed through both
 * gateways at once (each gateway says the items of its own groups); every message must be
 * stored once, per group, and decided.
 */
export async function twoAccountIngest(opts: { tenantFile: string; tenant: Tenant; world: BenchWorld; redis: PrivateRedis; workDir: string; reps: number; n: number; seed: number }): Promise<TwoAccountIngest> {
  const { world } = opts
  const schema = 'bench_two_accounts'
  const ds = await freshSchema(schema, opts.tenant)
  await seedOpenCases(ds, world)
  const gws: Gateway[] = []
  const batons: BatonProcess[] = []
  try {
    for (const key of ['a', 'b'] as const) gws.push(await Gateway.start(opts.tenantFile, key))
    for (const [i, key] of (['a', 'b'] as const).entries()) {
      batons.push(
        await startBatonProcess({
          logFile: resolve(opts.workDir, `baton-two-accounts-${key}.log`),
          schema,
          tenantFile: opts.tenantFile,
          redisUrl: opts.redis.url,
          prefix: 'b2',
          gatewayEnv: gws[i]!.env,
          extraEnv: { BATON_ACCOUNT: key },
        }),
      )
    }
    const stamp = stamper(world)
    const both = {
      push: async (items: SayItem[]) => {
        const at = stamp(items)
        const [a, b] = await Promise.all(gws.map((g) => g.push(items, undefined, at)))
        return { startedAt: Math.min(a!.startedAt, b!.startedAt), endedAt: Math.max(a!.endedAt, b!.endedAt), count: items.length }
      },
    }
    return await measure(both, ds, batons, opts)
  } finally {
    for (const b of batons) await b.stop().catch(() => undefined)
    for (const g of gws) await g.stop().catch(() => undefined)
    await ds.destroy()
  }
}

async function measure(both: Pick<Gateway, 'push'>, ds: DataSource, batons: BatonProcess[], opts: { world: BenchWorld; reps: number; n: number; seed: number }): Promise<TwoAccountIngest> {
  const cpu = () => batons.reduce((ms, b) => ms + b.cpuMs(), 0)
  const problems: string[] = []
  const warm = await pushAndSettle(both, ds, warmupItems(opts.world))
  problems.push(...warm.problems.map((p) => `warm-up: ${p}`))
  await drainSends(ds)
  const reps: IngestRep[] = []
  const cpuMsPerMessage: number[] = []
  let heardTwice = 0
  for (let rep = 0; rep < opts.reps; rep++) {
    const items = generateMessages(opts.world, opts.n, opts.seed + rep)
    heardTwice += items.filter((it) => benchAccountsOf(opts.world, it.group).length > 1).length
    const before = cpu()
    const r = await pushAndSettle(both, ds, items)
    cpuMsPerMessage.push((cpu() - before) / opts.n)
    problems.push(...r.problems.map((p) => `rep ${rep + 1}: ${p}`))
    reps.push({ messages: opts.n, ms: r.ms, perSecond: opts.n / (r.ms / 1000) })
    await drainSends(ds)
  }
  return { reps, cpuMsPerMessage, heardTwice, problems }
}
