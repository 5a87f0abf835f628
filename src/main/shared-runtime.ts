import type { SandboxPuppetFactory } from '../adapters/wecom/sandbox-tenant.js'
import { Redis } from 'ioredis'
import { wireChurn } from './growth-churn-wiring.js'
import type { DataSource } from 'typeorm'
import type { Env } from '../config/env.js'
import type { Tenant } from '../config/load-tenant.js'
import type { GrowthConfig } from '../domain/growth/growth-config.js'
import type { Wording } from '../config/load-wording-dir.js'
import type { Policy } from '../domain/policy.js'
import { Directory } from '../app/directory.js'
import { systemClock, type Clock, type Logger } from '../app/ports.js'
import type { Store } from '../app/store.js'
import type { CommandServices } from '../app/commands/command-context.js'
import type { DecisionServices } from '../app/decide-ports.js'
import { AutomationSwitches } from '../app/automation.js'
import type { GrowthDeps } from '../app/growth/growth-deps.js'
import type { OrderLookup } from '../app/orders/order-lookup.js'
import type { OrderWords } from '../domain/commerce/order-progress.js'
import { runMigrations } from '../adapters/db/data-source.js'
import { syncDirectory } from '../adapters/db/sync-directory.js'
import { SqlStore } from '../adapters/db/sql-store.js'
import { SqlCaseQueries } from '../adapters/db/case-queries.js'
import { sqlAutomationStore } from '../adapters/db/automation-store.js'
import { sqlStatsQueries } from '../adapters/db/stats-queries.js'
import { SqlGrowthStore } from '../adapters/db/growth-store.js'
import { isDatabaseOutage } from '../adapters/db/is-outage.js'
import { redisConnection } from '../adapters/queue/outbound-queue.js'
import { wireAccounts, type AccountsWiring } from './accounts-wiring.js'
import { OutboxRelay } from '../adapters/queue/outbox-relay.js'
import { createTimerQueue } from '../adapters/queue/timer-queue.js'
import { TimerReconciler } from '../adapters/queue/timer-reconciler.js'
import { withDeadline } from '../adapters/queue/deadline.js'
import { KnowledgeBroadcast } from '../adapters/queue/knowledge-broadcast.js'
import type { DependencyWaits, Wait } from './await-dependencies.js'
import { buildServices } from './build-services.js'
import { storeWithCommitHooks } from './commit-hooks.js'
import { metricsWiring } from './metrics-wiring.js'
import { wireOrders } from './orders-wiring.js'
import { PostgresStart } from './postgres-start.js'
import { checkResilienceWording } from './staying-up.js'
import { createTelemetry } from './telemetry.js'
import type { Stoppers } from './stoppers.js'
import type { Role, Runtime } from './runtime.js'

/** how soon a `/auto` switch made in another process takes effect here */
const AUTOMATION_REFRESH_MS = 15_000

export interface StartOptions {
  env: Env
  tenant: Tenant
  roles: readonly Role[]
  log: Logger
  /** tests: builds the sandbox's mock puppet (e.g. a subclass that emits what the mock cannot) */
  sandboxPuppet?: SandboxPuppetFactory
}

/** Reached at start-up (maybe still being waited for in the background). */
export interface Dependencies {
  ds: DataSource
  waits: DependencyWaits
  pgWait: Wait<unknown>
  redisWait: Wait<unknown>
}

/** The services and queues all roles share, and what fills the Runtime a role hands back. */
export interface Shared extends StartOptions, Dependencies {
  redis: Redis
  /** the object startBaton returns: each role fills in its parts */
  runtime: Runtime
  directory: Directory
  clock: Clock
  services: DecisionServices
  wording: Wording
  policy: Policy
  growthConfig: GrowthConfig
  telemetry: ReturnType<typeof createTelemetry>
  connection: ReturnType<typeof redisConnection>
  /** one outbound queue per WeCom account; this process's bot consumes its own account's */
  accounts: AccountsWiring
  timerQueue: ReturnType<typeof createTimerQueue>
  relay: OutboxRelay
  timers: TimerReconciler
  /** bot and worker: a commit that queued sends or moved a timer kicks the relay or the reconciler */
  schedules: boolean
  store: Store
  metrics: ReturnType<typeof metricsWiring>
  /** what waits for PostgreSQL: each role adds its steps */
  withPostgres: PostgresStart
  postgresStarted(): boolean
  growth: GrowthDeps
  /** what commands and decisions use (the bot adds its messenger) */
  /** churn early warning: its deps, API routes and the nightly sweep it adds */
  churn: ReturnType<typeof wireChurn>
  commandServices: Omit<CommandServices, 'messenger'> & { growth: GrowthDeps; orders?: OrderLookup; orderWords?: OrderWords }
}

/**
 * Builds what every role uses: Redis, the queues, the store, the tenant's services, and the
 * first part of what needs PostgreSQL (run now if it answered). `stops` gets what to stop.
 */
export async function startShared(opts: StartOptions, deps: Dependencies, stops: Stoppers): Promise<Shared> {
  const { env, tenant, roles, log } = opts
  const redis = connectRedis(opts, deps, stops)
  if (!deps.waits.isReady('postgres')) log.warn({ dependency: 'PostgreSQL' }, 'starting without PostgreSQL: inbound messages go to the local spool until it answers')
  const directory = new Directory(tenant)
  const { services, wording, policy, knowledge, loadKnowledge, understandingEntries, growth: growthConfig } = buildServices(tenant, directory)
  checkResilienceWording(wording)
  const telemetry = createTelemetry()
  const runtime: Runtime = { env, tenant, directory, ds: deps.ds, redis, stop: async () => undefined }
  const schedules = roles.includes('bot') || roles.includes('worker')
  const queues = openQueues(opts, deps.ds, directory, schedules, stops)
  runtime.relay = queues.relay
  runtime.timers = queues.timers
  const clock = systemClock
  // supervisors' /auto switches override policy.automaticCategories
  const automation = new AutomationSwitches(new Set(policy.automaticCategories), sqlAutomationStore(deps.ds), clock)
  services.isAutomatic = (category) => automation.isAutomatic(category)
  const broadcast = new KnowledgeBroadcast(redis, `${env.BATON_QUEUE_PREFIX}:knowledge-reload`, log)
  stops.add(() => withDeadline(broadcast.close(), 5000, 'knowledge broadcast close').catch(() => undefined))
  const { ds } = deps
  const metrics = metricsWiring({ ds, store: queues.store, directory, services, wording, policy, knowledge, loadKnowledge, understandingEntries, clock, log, broadcast })
  runtime.knowledge = knowledge
  const withPostgres = postgresStart(opts, ds, automation, metrics, runtime, stops)
  if (deps.waits.isReady('postgres')) await withPostgres.startCore()
  // the shop's order service (orders.lookup), read before deciding a customer's progress question
  const orderWiring = await wireOrders({ tenant, env, redis, wording, timeZone: policy.timezone, clock, log })
  stops.add(() => orderWiring.stop())
  if (orderWiring.fake) runtime.orderService = orderWiring.fake
  const growth: GrowthDeps = { growth: new SqlGrowthStore(ds), cfg: growthConfig, directory, policy, clock, log, ...(schedules ? { sendsQueued: () => queues.relay.kick() } : {}) }
  runtime.growth = growth
  const churn = wireChurn({ ds, growth, wording })
  runtime.churn = churn.deps
  const commandServices = {
    growth,
    churn: churn.deps,
    store: queues.store,
    queries: new SqlCaseQueries(ds),
    directory,
    services,
    wording,
    clock,
    log,
    automation,
    stats: sqlStatsQueries(ds),
    ...(orderWiring.orders ? { orders: orderWiring.orders } : {}),
    ...(orderWiring.orderWords ? { orderWords: orderWiring.orderWords } : {}),
  }
  const postgresStarted = (): boolean => withPostgres.started
  return { ...opts, ...deps, redis, runtime, directory, clock, services, wording, policy, growthConfig, telemetry, ...queues, schedules, metrics, withPostgres, postgresStarted, growth, churn, commandServices }
}

/** The process's Redis client: one log line when Redis goes away and one when it is back. */
function connectRedis({ env, log }: StartOptions, { waits, redisWait }: Dependencies, stops: Stoppers): Redis {
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null })
  // ioredis reconnects by itself
  let redisDown = false
  redis.on('error', (err: Error) => {
    if (!redisDown) log.warn({ err: { message: err.message } }, 'Redis connection error; sends and timers wait in PostgreSQL until it is back')
    redisDown = true
  })
  // a QUIT a hung Redis never answers must not hold the stop up
  stops.add(async () => void (await withDeadline(redis.quit(), 5000, 'Redis quit').catch(() => redis.disconnect())))
  // A Redis that accepted the connection but never answered leaves ioredis waiting on that
  // socket for ever (its ready check has no timeout): once the start-up wait's own probe gets
  // an answer, a client still stuck on such a socket (status `connect`: connected, ready check
  // pending) is made to connect afresh
  if (!waits.isReady('redis')) {
    log.warn({ dependency: 'Redis' }, 'starting without Redis: messages are recorded and decided; sends and timers wait in PostgreSQL until it answers')
    void redisWait.ready.then(
      () => {
        if (redis.status === 'connect') redis.disconnect(true)
      },
      () => undefined,
    )
  }
  // Redis back (or there for the first time). The outbox and the timers need no push: the relay
  // runs every half second, and adds the reconciler gave up on wait in ioredis' offline queue
  // and reach Redis as it answers (job ids make a repeat harmless)
  let checkedEviction = false
  redis.on('ready', () => {
    if (redisDown) log.info({}, 'Redis reachable again; waiting sends and timers go to BullMQ')
    redisDown = false
    if (!checkedEviction) void warnUnlessNoEviction(redis, log)
    checkedEviction = true
  })
  return redis
}

/** The outbound and timer queues, the relay and reconciler that feed them, and the store whose commits kick both. */
function openQueues({ env, tenant, roles, log }: StartOptions, ds: DataSource, directory: Directory, schedules: boolean, stops: Stoppers) {
  const connection = redisConnection(env.REDIS_URL)
  const accounts = wireAccounts({ directory, wanted: env.BATON_ACCOUNT, servesBot: roles.includes('bot'), connection, prefix: env.BATON_QUEUE_PREFIX, cfg: tenant.outbound, log })
  stops.add(() => accounts.close())
  const relay = new OutboxRelay(ds, accounts.queueFor, log)
  const timerQueue = createTimerQueue(connection, env.BATON_QUEUE_PREFIX)
  timerQueue.on('error', (err: Error) => log.warn({ err: { message: err.message } }, 'timer queue: Redis error'))
  stops.add(() => withDeadline(timerQueue.close(), 5000, 'timer queue close').catch(() => timerQueue.disconnect()))
  const timers = new TimerReconciler(ds, timerQueue, log)
  // every committed unit of work may have queued sends or moved a timer: act on it right away
  const sql = new SqlStore(ds)
  const store: Store = schedules ? storeWithCommitHooks(sql, { sendsQueued: () => relay.kick(), timersTouched: () => timers.kick() }) : sql
  return { connection, accounts, relay, timerQueue, timers, store }
}

/**
 * What needs PostgreSQL starts once it answers: first the schema, the tenant's directory, the
 * /auto switches and the knowledge versions (then messages can be recorded and decided), then
 * the steps each role adds. With PostgreSQL there at once, the first part runs before the WeCom
 * session starts, as it always did.
 */
function postgresStart({ env, tenant, log }: StartOptions, ds: DataSource, automation: AutomationSwitches, metrics: ReturnType<typeof metricsWiring>, runtime: Runtime, stops: Stoppers): PostgresStart {
  return new PostgresStart(
    async () => {
      if (env.migrate === 'auto') {
        const applied = await runMigrations(ds)
        if (applied.length > 0) log.info({ applied }, 'migrations applied')
      }
      await syncDirectory(ds, tenant)
      await automation.load()
      await metrics.startKnowledge()
      const automationRefresh = setInterval(() => {
        automation.load().catch((err: Error) => log.warn({ err: { message: err.message } }, 'reloading /auto switches failed; keeping the last ones'))
      }, AUTOMATION_REFRESH_MS)
      automationRefresh.unref()
      stops.add(async () => clearInterval(automationRefresh))
    },
    {
      log,
      isOutage: isDatabaseOutage,
      retryMs: env.BATON_DEPENDENCY_RETRY_MS,
      retryMaxMs: env.BATON_DEPENDENCY_RETRY_MAX_MS,
      // the spool kept what arrived meanwhile: replay it now rather than at the next retry
      afterAll: () => void runtime.intake?.recover(),
    },
  )
}

/** BullMQ loses jobs when Redis evicts keys: say so loudly at start-up. */
async function warnUnlessNoEviction(redis: Redis, log: Logger): Promise<void> {
  try {
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string]
    if (policy !== 'noeviction') log.warn({ policy }, 'Redis maxmemory-policy should be noeviction for BullMQ; jobs may be evicted')
  } catch (err) {
    log.warn({ err: { message: (err as Error).message } }, 'could not read Redis maxmemory-policy (CONFIG disabled?); make sure it is noeviction')
  }
}
