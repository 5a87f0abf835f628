import type { Server } from 'node:http'
import { Redis } from 'ioredis'
import type { DataSource } from 'typeorm'
import type { Env } from '../config/env.js'
import type { Tenant } from '../config/load-tenant.js'
import { Directory } from '../app/directory.js'
import type { Logger } from '../app/ports.js'
import { recordMessage } from '../app/record-message.js'
import { createDataSource, ensureDatabase, runMigrations } from '../adapters/db/data-source.js'
import { SqlMessageStore } from '../adapters/db/message-store.js'
import { BatchingMessageStore } from '../adapters/db/batching-message-store.js'
import { syncDirectory } from '../adapters/db/sync-directory.js'
import { closeServer, createHttpApp, listen } from '../adapters/http/create-http-app.js'
import { healthRoutes } from '../adapters/http/health-routes.js'
import { sandboxRoutes } from '../adapters/http/sandbox-routes.js'
import { buildWechaty } from '../adapters/wecom/build-wechaty.js'
import { SandboxTenant } from '../adapters/wecom/sandbox-tenant.js'
import { WecomSession } from '../adapters/wecom/wecom-session.js'
import { createTelemetry } from './telemetry.js'
import { storeWithCommitHooks } from './commit-hooks.js'
import { buildServices } from './build-services.js'
import { systemClock } from '../app/ports.js'
import type { Store } from '../app/store.js'
import { processRecorded } from '../app/process-inbound.js'
import { deliverSend } from '../app/deliver-send.js'
import { say } from '../app/case-facts-text.js'
import { SqlStore } from '../adapters/db/sql-store.js'
import { SqlCaseQueries } from '../adapters/db/case-queries.js'
import { createOutboundQueue, redisConnection, startOutboundWorker } from '../adapters/queue/outbound-queue.js'
import { OutboxRelay } from '../adapters/queue/outbox-relay.js'
import { createTimerQueue, startTimerWorker, TimerReconciler } from '../adapters/queue/timer-queue.js'
import { fireTimer } from '../app/fire-timer.js'
import { AutomationSwitches } from '../app/automation.js'
import { sqlAutomationStore } from '../adapters/db/automation-store.js'
import { sqlStatsQueries } from '../adapters/db/stats-queries.js'
import { caseRoutes } from '../adapters/http/case-routes.js'
import { metricsRoutes } from '../adapters/http/metrics-routes.js'
import { sqlEvidenceReader } from '../adapters/db/evidence-store.js'
import { parseApiTokens } from '../config/api-tokens.js'

export type Role = 'bot' | 'worker' | 'api'
export const ALL_ROLES: readonly Role[] = ['bot', 'worker', 'api']

export interface Runtime {
  env: Env
  tenant: Tenant
  directory: Directory
  ds: DataSource
  redis: Redis
  session?: WecomSession
  sandbox?: SandboxTenant
  server?: Server
  timers?: TimerReconciler
  /** Stops taking messages, lets work in flight finish, closes the session and the pools. */
  stop(): Promise<void>
}

/** Wires the requested roles into one process. Nothing starts on import. */
export async function startBaton(opts: { env: Env; tenant: Tenant; roles: readonly Role[]; log: Logger }): Promise<Runtime> {
  const { env, tenant, roles, log } = opts
  const dbOpts = { url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA }
  if (env.migrate === 'auto') await ensureDatabase(dbOpts)
  const ds = createDataSource(dbOpts)
  await ds.initialize()
  const stops: Array<() => Promise<void>> = [() => ds.destroy()]
  try {
    if (env.migrate === 'auto') {
      const applied = await runMigrations(ds)
      if (applied.length > 0) log.info({ applied }, 'migrations applied')
    }
    await syncDirectory(ds, tenant)

    const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: true })
    redis.on('error', (err: Error) => log.warn({ err: { message: err.message } }, 'Redis connection error'))
    await redis.connect()
    stops.unshift(async () => void (await redis.quit().catch(() => redis.disconnect())))

    const directory = new Directory(tenant)
    const { services, wording, policy } = buildServices(tenant, directory)
    const telemetry = createTelemetry()
    const runtime: Runtime = { env, tenant, directory, ds, redis, stop: async () => undefined }
    const connection = redisConnection(env.REDIS_URL)
    const queue = createOutboundQueue(connection, env.BATON_QUEUE_PREFIX, tenant.outbound)
    stops.unshift(() => queue.close())
    const relay = new OutboxRelay(ds, queue, log)
    const timerQueue = createTimerQueue(connection, env.BATON_QUEUE_PREFIX)
    stops.unshift(() => timerQueue.close())
    const timers = new TimerReconciler(ds, timerQueue, log)
    runtime.timers = timers
    // every committed unit of work may have queued sends or moved a timer: act on it right away
    const sql = new SqlStore(ds)
    const schedules = roles.includes('bot') || roles.includes('worker')
    const store: Store = schedules ? storeWithCommitHooks(sql, { sendsQueued: () => relay.kick(), timersTouched: () => timers.kick() }) : sql
    await warnUnlessNoEviction(redis, log)
    const clock = systemClock
    // supervisors' /auto switches override policy.automaticCategories
    const automation = new AutomationSwitches(new Set(policy.automaticCategories), sqlAutomationStore(ds), clock)
    await automation.load()
    services.isAutomatic = (category) => automation.isAutomatic(category)
    const commandServices = { store, queries: new SqlCaseQueries(ds), directory, services, wording, clock, log, automation, stats: sqlStatsQueries(ds) }

    if (roles.includes('bot')) {
      const sandbox = env.sandbox ? new SandboxTenant(tenant) : undefined
      const session = new WecomSession(buildWechaty(env, sandbox?.puppet), log)
      session.needTopics = directory.needsTopics
      const messages = new BatchingMessageStore(ds, new SqlMessageStore(ds))
      const pipeline = { ...commandServices, messages, messenger: session }
      session.onMessage(async (msg) => {
        const outcome = await recordMessage({ store: messages, directory, log, telemetry }, msg)
        if (outcome.kind === 'recorded') {
          const mode = await processRecorded(pipeline, outcome.message)
          if (mode) telemetry.decided(mode)
        }
      })
      const worker = startOutboundWorker({
        connection,
        prefix: env.BATON_QUEUE_PREFIX,
        cfg: tenant.outbound,
        log,
        groupOf: async (sendId) => ((await ds.query(`SELECT group_key FROM sends WHERE id = $1`, [sendId])) as { group_key: string | null }[])[0]?.group_key ?? null,
        deliver: (sendId, final) =>
          deliverSend(
            {
              store,
              messenger: session,
              directory,
              clock,
              log,
              failureNotice: (i) => say(wording, 'review.send_failed', { case_ref: i.caseId ? say(wording, 'review.case_ref', { case_id: i.caseId, customer: '' }).replace(/（）$/, '') : '', group: i.group, attempts: i.attempts, reason: i.reason }),
            },
            sendId,
            { final },
          ),
      })
      await session.start()
      sandbox?.populate()
      // messages recorded but never decided (a crash in between) are decided now
      for (const msg of await messages.listUnhandled(1000)) await processRecorded(pipeline, msg).catch((err: Error) => log.error({ messageId: msg.wecomId, err: { message: err.message } }, 'replaying an undecided message failed'))
      // stop order: the send worker finishes its job while the session is still up, then the
      // session records every event already delivered and closes
      stops.unshift(() => session.stop())
      stops.unshift(() => worker.close())
      runtime.session = session
      if (sandbox) runtime.sandbox = sandbox
    }

    telemetry.attachGauges({
      queueCounts: async () => ({
        outbound: await queue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
        timers: await timerQueue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
      }),
      sendsByStatus: async () => Object.fromEntries(((await ds.query(`SELECT status, count(*)::int AS n FROM sends WHERE status <> 'sent' OR sent_at > now() - interval '1 day' GROUP BY status`)) as { status: string; n: number }[]).map((r) => [r.status, r.n])),
      waitingByState: async () => Object.fromEntries(((await ds.query(`SELECT state, count(*)::int AS n FROM cases WHERE closed_at IS NULL GROUP BY state`)) as { state: string; n: number }[]).map((r) => [r.state, r.n])),
      oldestQueuedSendAgeSeconds: async () => Number(((await ds.query(`SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) AS age FROM sends WHERE status IN ('queued','sending')`)) as { age: string }[])[0]?.age ?? 0),
      wecomLoggedIn: () => (runtime.session ? runtime.session.ready : null),
    })

    if (roles.includes('api')) {
      const session = runtime.session
      const routers = [
        healthRoutes({
          postgres: async () => void (await ds.query('SELECT 1')),
          redis: async () => void (await redis.ping()),
          ...(session
            ? {
                wecom: async () => {
                  if (!session.ready) throw new Error(session.state.lastError ?? 'WeCom session not logged in')
                },
              }
            : {}),
        }),
        metricsRoutes(telemetry.registry),
        caseRoutes({ tokens: parseApiTokens(env.BATON_API_TOKENS, { sandbox: env.sandbox }), queries: commandServices.queries, evidence: sqlEvidenceReader(ds) }),
        ...(runtime.sandbox ? [sandboxRoutes(runtime.sandbox)] : []),
      ]
      const server = await listen(createHttpApp(log, routers), env.PORT, env.HOST)
      stops.unshift(() => closeServer(server))
      runtime.server = server
      const addr = server.address()
      log.info({ port: typeof addr === 'object' && addr ? addr.port : env.PORT }, 'HTTP listening')
    }

    if (roles.includes('worker')) {
      const timerWorker = startTimerWorker({ connection, prefix: env.BATON_QUEUE_PREFIX, log, fire: (job) => fireTimer({ store, directory, services, wording, clock, log }, job) })
      stops.unshift(() => timerWorker.close())
    }
    if (schedules) {
      relay.start()
      timers.start()
      stops.unshift(() => relay.stop())
      stops.unshift(() => timers.stop())
    }

    runtime.stop = once(async () => {
      for (const stop of stops) {
        try {
          await stop()
        } catch (err) {
          log.warn({ err: { message: (err as Error).message } }, 'error during shutdown')
        }
      }
    })
    return runtime
  } catch (err) {
    for (const stop of stops) await stop().catch(() => undefined)
    throw err
  }
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

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined
  return () => (p ??= fn())
}
