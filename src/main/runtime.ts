import type { Server } from 'node:http'
import type { ChurnDeps } from '../app/growth/churn-deps.js'
import type { GrowthSopHandle } from './growth-sop-wiring.js'
import { logWithAccount } from './accounts-wiring.js'
import type { Account } from '../domain/accounts.js'
import type { Redis } from 'ioredis'
import type { DataSource } from 'typeorm'
import type { Env } from '../config/env.js'
import type { Tenant } from '../config/load-tenant.js'
import { parseApiTokens, SANDBOX_TOKEN, type ApiToken } from '../config/api-tokens.js'
import { assertSandboxAllowed, sandboxWarnings } from '../config/sandbox-guard.js'
import type { Directory } from '../app/directory.js'
import type { InboundIntake } from '../app/inbound-intake.js'
import type { InboundPipeline } from '../app/inbound-pipeline.js'
import type { LiveKnowledge } from '../app/knowledge/knowledge-ports.js'
import type { GrowthDeps } from '../app/growth/growth-deps.js'
import type { ContactActivity } from '../app/growth/note-contact-activity.js'
import { createDataSource } from '../adapters/db/data-source.js'
import { closeServer, createHttpApp } from '../adapters/http/create-http-app.js'
import { listenHandingOver } from '../adapters/http/handover-server.js'
import { startingGate, startingHealthRoutes } from '../adapters/http/health-routes.js'
import type { FakeOrderService } from '../adapters/orders/fake-order-service.js'
import type { OutboxRelay } from '../adapters/queue/outbox-relay.js'
import type { SendThrottle } from '../adapters/queue/send-throttle.js'
import type { TimerReconciler } from '../adapters/queue/timer-reconciler.js'
import type { ConnectionWatchdog } from '../adapters/wecom/connection-watchdog.js'
import type { SandboxTenant } from '../adapters/wecom/sandbox-tenant.js'
import type { WecomSession } from '../adapters/wecom/wecom-session.js'
import { DependencyWaits } from './await-dependencies.js'
import { attachRuntimeGauges } from './runtime-gauges.js'
import { startShared, type Dependencies, type StartOptions } from './shared-runtime.js'
import { startApi, type EarlyServer } from './start-api.js'
import { startBot } from './start-bot.js'
import { startScheduling, startWorker } from './start-worker.js'
import { Stoppers } from './stoppers.js'

export type Role = 'bot' | 'worker' | 'api'
export const ALL_ROLES: readonly Role[] = ['bot', 'worker', 'api']

export interface Runtime {
  env: Env
  tenant: Tenant
  directory: Directory
  ds: DataSource
  redis: Redis
  session?: WecomSession
  /** the WeCom account this process's bot role serves */
  account?: Account
  /** churn intervention tasks and funnels (growth) */
  churn?: ChurnDeps
  /** the SOP calendar and lifecycle flows (worker role; absent when none is declared) */
  growthSop?: GrowthSopHandle | null
  sandbox?: SandboxTenant
  server?: Server
  timers?: TimerReconciler
  /** the knowledge the decision services read (reloadable) */
  knowledge?: LiveKnowledge
  relay?: OutboxRelay
  watchdog?: ConnectionWatchdog
  intake?: InboundIntake
  /** the inbound pipeline WecomSession feeds (bot role) */
  pipeline?: InboundPipeline
  throttle?: SendThrottle
  /** the sandbox's order service (a `sandbox://` orders.lookup URL) */
  orderService?: FakeOrderService
  /** contacts, tags and welcomes (growth) */
  growth?: GrowthDeps
  /** contact activity noted off the decision path (bot role) */
  contactActivity?: ContactActivity
  /** Stops taking messages, lets work in flight finish, closes the session and the pools. */
  stop(): Promise<void>
}

/**
 * Wires the requested roles into one process (each role's parts are in start-bot.ts,
 * start-worker.ts and start-api.ts; what they share in shared-runtime.ts). Nothing starts on import.
 */
export async function startBaton(given: StartOptions): Promise<Runtime> {
  // a bot process of a tenant with several accounts says which account in every log line
  const opts: StartOptions = { ...given, log: logWithAccount(given.log, given.tenant, given.env.BATON_ACCOUNT, given.roles.includes('bot')) }
  const { env, roles, log } = opts
  // refused before anything connects: a production-like setup never runs the sandbox, and bad
  // API tokens fail the start, not the first login
  assertSandboxAllowed(env, roles)
  if (roles.includes('bot') || roles.includes('api')) for (const w of sandboxWarnings(env)) log.warn({ sandbox: true }, w)
  const apiTokens = roles.includes('api') ? apiTokensOf(opts) : []
  // the api role answers /healthz at once; /readyz names what start-up still waits for
  const waits = new DependencyWaits(log, { timeoutMs: env.BATON_DEPENDENCY_TIMEOUT_MS, retryMs: env.BATON_DEPENDENCY_RETRY_MS, retryMaxMs: env.BATON_DEPENDENCY_RETRY_MAX_MS }, [
    passwordOf(env.DATABASE_URL),
    passwordOf(env.REDIS_URL),
  ])
  const early = roles.includes('api')
    ? await listenHandingOver(createHttpApp(log, [startingHealthRoutes(() => waits.report())], [startingGate(() => waits.report())], { trustProxy: env.BATON_TRUST_PROXY }), env.PORT, env.HOST)
    : undefined
  if (early) log.info({ port: portOf(early.server, env.PORT), starting: true }, 'HTTP listening; reaching PostgreSQL and Redis')
  const deps = await awaitDependencies(opts, waits, early)
  // stopping while a dependency is still awaited ends the wait; a data source it opened meanwhile is closed
  const shared = new Stoppers()
  shared.add(async () => {
    waits.abort(new Error('stopping'))
    await Promise.allSettled([deps.pgWait.ready, deps.redisWait.ready])
    if (deps.ds.isInitialized) await deps.ds.destroy()
  })
  // stopped in this order: the timers and the relay, the worker, HTTP, the bot, what they share
  const order: Stoppers[] = [shared]
  let serving = false
  try {
    const s = await startShared(opts, deps, shared)
    if (roles.includes('bot')) order.unshift(await startBot(s))
    attachRuntimeGauges(s)
    if (roles.includes('api')) {
      order.unshift(startApi(s, early!, apiTokens))
      serving = true
    }
    if (roles.includes('worker')) order.unshift(startWorker(s))
    if (s.schedules) order.unshift(startScheduling(s))
    // PostgreSQL there: a failure here ends start-up, as always; else it all starts when it answers
    if (s.withPostgres.started) await s.withPostgres.runAll()
    else s.withPostgres.whenAnswered(deps.pgWait.ready)
    s.runtime.stop = once(async () => {
      // a start still waiting for PostgreSQL (or half-way through it) is ended before anything stops
      waits.abort(new Error('stopping'))
      await s.withPostgres.halt()
      for (const stops of order) await stops.stopAll(log)
    })
    return s.runtime
  } catch (err) {
    if (early && !serving) await closeServer(early.server)
    for (const stops of order) await stops.stopQuietly()
    throw err
  }
}

/**
 * Start-up awaits one attempt at each dependency: a misconfiguration ends it (exit 1), a
 * dependency that is down is waited for in the background and Baton starts degraded. Without
 * PostgreSQL inbound messages go to the spool; without Redis they are recorded and decided and
 * their sends and timers wait in PostgreSQL (see README "Staying up").
 */
async function awaitDependencies({ env }: StartOptions, waits: DependencyWaits, early: EarlyServer | undefined): Promise<Dependencies> {
  const dbOptions = { url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA, queryTimeoutMs: env.BATON_DB_QUERY_TIMEOUT_MS, connectTimeoutMs: env.BATON_DEPENDENCY_TIMEOUT_MS }
  const ds = createDataSource(dbOptions)
  const pgWait = waits.postgres(ds, { ...dbOptions, ensure: env.migrate === 'auto' })
  const redisWait = waits.redis(env.REDIS_URL)
  try {
    await Promise.all([pgWait.first, redisWait.first])
  } catch (err) {
    waits.abort(err as Error)
    await pgWait.ready.catch(() => undefined)
    if (ds.isInitialized) await ds.destroy().catch(() => undefined)
    if (early) await closeServer(early.server)
    throw err
  }
  return { ds, waits, pgWait, redisWait }
}

/**
 * The API tokens, read before anything connects. The sandbox's own token acts as the sandbox's
 * supervisor, so a newcomer can take a draft in the console (the taker becomes the case owner,
 * who must be a person reminders can reach).
 */
function apiTokensOf({ env, tenant }: StartOptions): ApiToken[] {
  const sandboxSupervisor = env.sandbox ? tenant.people.find((p) => p.roles.includes('supervisor'))?.id : undefined
  return parseApiTokens(env.BATON_API_TOKENS, { sandbox: env.sandbox }).map((t) => (t === SANDBOX_TOKEN && sandboxSupervisor ? { ...t, name: sandboxSupervisor } : t))
}

const passwordOf = (url: string): string | undefined => decodeURIComponent(new URL(url).password) || undefined
const portOf = (server: Server, fallback: number): number => {
  const addr = server.address()
  return typeof addr === 'object' && addr ? addr.port : fallback
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined
  return () => (p ??= fn())
}
