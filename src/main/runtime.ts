import type { Server } from 'node:http'
import { Redis } from 'ioredis'
import type { DataSource } from 'typeorm'
import type { Env } from '../config/env.js'
import type { Tenant } from '../config/load-tenant.js'
import { Directory } from '../app/directory.js'
import type { Logger } from '../app/ports.js'
import { recordMessage } from '../app/record-message.js'
import { createDataSource, runMigrations } from '../adapters/db/data-source.js'
import { SqlMessageStore } from '../adapters/db/message-store.js'
import { BatchingMessageStore } from '../adapters/db/batching-message-store.js'
import { syncDirectory } from '../adapters/db/sync-directory.js'
import { closeServer, createHttpApp } from '../adapters/http/create-http-app.js'
import { healthRoutes, startingGate, startingHealthRoutes } from '../adapters/http/health-routes.js'
import { listenHandingOver } from '../adapters/http/handover-server.js'
import { addressOf, DependencyWaits, postgresNotStarted } from './await-dependencies.js'
import { UnloadedMessageReports } from '../app/report-unloaded-message.js'
import { PostgresStart } from './postgres-start.js'
import type { Middleware } from 'koa'
import { sandboxRoutes } from '../adapters/http/sandbox-routes.js'
import { loopbackHostOnly } from '../adapters/http/loopback-host.js'
import { buildWechaty } from '../adapters/wecom/build-wechaty.js'
import { SandboxTenant } from '../adapters/wecom/sandbox-tenant.js'
import { WecomSession } from '../adapters/wecom/wecom-session.js'
import { createTelemetry } from './telemetry.js'
import { storeWithCommitHooks, timerBatchesWithCommitHooks } from './commit-hooks.js'
import { buildServices } from './build-services.js'
import { systemClock } from '../app/ports.js'
import type { Store } from '../app/store.js'
import type { RecordedMessage } from '../app/inbound-message.js'
import type { HandlingMode } from '../domain/types.js'
import { processRecorded, processRecordedBatch } from '../app/process-inbound.js'
import { Batcher } from '../app/batcher.js'
import { deliverSend } from '../app/deliver-send.js'
import { say } from '../app/case-facts-text.js'
import { SqlStore } from '../adapters/db/sql-store.js'
import { SqlCaseQueries } from '../adapters/db/case-queries.js'
import { createOutboundQueue, redisConnection, startOutboundWorker } from '../adapters/queue/outbound-queue.js'
import { OutboxRelay } from '../adapters/queue/outbox-relay.js'
import { createTimerQueue } from '../adapters/queue/timer-queue.js'
import { TimerReconciler } from '../adapters/queue/timer-reconciler.js'
import { SqlTimerBatchStore } from '../adapters/db/timer-batch-store.js'
import { startTimerFiring } from './timer-firing.js'
import { AutomationSwitches } from '../app/automation.js'
import { sqlAutomationStore } from '../adapters/db/automation-store.js'
import { sqlStatsQueries } from '../adapters/db/stats-queries.js'
import { caseRoutes } from '../adapters/http/case-routes.js'
import { metricsRoutes } from '../adapters/http/metrics-routes.js'
import { sqlEvidenceReader } from '../adapters/db/evidence-store.js'
import { parseApiTokens, SANDBOX_TOKEN } from '../config/api-tokens.js'
import { consoleRoutes } from '../adapters/http/console-routes.js'
import { TokenBook } from '../adapters/http/auth.js'
import { ConsoleSessions } from '../adapters/http/console-sessions.js'
import { sqlSessionStore } from '../adapters/db/session-store.js'
import { redisLoginThrottle } from '../adapters/http/login-throttle.js'
import { assertSandboxAllowed, sandboxWarnings } from '../config/sandbox-guard.js'
import { sqlCaseBrowser } from '../adapters/db/case-browser-queries.js'
import { draftRoutes, registerDraftPaths } from '../adapters/http/draft-routes.js'
import { registerSessionPaths, sessionRoutes } from '../adapters/http/session-routes.js'
import { registerCasePaths } from '../adapters/http/case-routes.js'
import { sqlSandboxTranscripts } from '../adapters/db/sandbox-transcripts.js'
import { directoryRoutes, registerDirectoryPaths } from '../adapters/http/directory-routes.js'
import { attentionRoutes, registerAttentionPaths } from '../adapters/http/attention-routes.js'
import { sqlAttentionQueries } from '../adapters/db/attention-queries.js'
import { openApiRoutes } from '../adapters/http/openapi.js'
import { queueBoard } from '../adapters/http/queue-board.js'
import { metricsWiring } from './metrics-wiring.js'
import { KnowledgeBroadcast } from '../adapters/queue/knowledge-broadcast.js'
import type { LiveKnowledge } from '../app/knowledge/knowledge-ports.js'
import { registerMetricsPaths } from '../adapters/http/metrics-openapi.js'
import { join, resolve } from 'node:path'
import { InboundIntake } from '../app/inbound-intake.js'
import { settleInDoubtSends } from '../app/settle-in-doubt-sends.js'
import { isDatabaseOutage } from '../adapters/db/is-outage.js'
import { FileSpool } from '../adapters/spool/file-spool.js'
import { SendThrottle } from '../adapters/queue/send-throttle.js'
import { withDeadline } from '../adapters/queue/deadline.js'
import { ConnectionWatchdog } from '../adapters/wecom/connection-watchdog.js'
import { throttleMatcher } from '../domain/resilience/send-throttle.js'
import { checkResilienceWording, startOfflineAlerts } from './staying-up.js'
import { wireOrders } from './orders-wiring.js'
import type { FakeOrderService } from '../adapters/orders/fake-order-service.js'
import { SqlGrowthStore } from '../adapters/db/growth-store.js'
import type { GrowthDeps } from '../app/growth/growth-deps.js'
import { ContactActivity } from '../app/growth/note-contact-activity.js'
import { noteMembersLeft, welcomeNewcomers } from '../app/growth/welcome-newcomers.js'
import { sweepNightlyRules } from '../app/growth/sweep-nightly-rules.js'
import { wireChurn } from './growth-churn-wiring.js'
import type { ChurnDeps } from '../app/growth/churn-deps.js'
import { contactRoutes, registerContactPaths } from '../adapters/http/contact-routes.js'
import { createNightlyQueue, scheduleNightlyRules, startNightlyWorker } from '../adapters/queue/nightly-rules-queue.js'

/** how soon a `/auto` switch made in another process takes effect here */
const AUTOMATION_REFRESH_MS = 15_000
/** messages decided in one transaction at most (a backlog drains in batches of this size) */
const DECISION_BATCH = 200

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
  /** the knowledge the decision services read (reloadable) */
  knowledge?: LiveKnowledge
  relay?: OutboxRelay
  watchdog?: ConnectionWatchdog
  intake?: InboundIntake
  throttle?: SendThrottle
  /** the sandbox's order service (a `sandbox://` orders.lookup URL) */
  orderService?: FakeOrderService
  /** contacts, tags and welcomes (growth) */
  growth?: GrowthDeps
  /** contact activity noted off the decision path (bot role) */
  contactActivity?: ContactActivity
  /** churn intervention tasks and funnels (growth) */
  churn?: ChurnDeps
  /** Stops taking messages, lets work in flight finish, closes the session and the pools. */
  stop(): Promise<void>
}

/** Wires the requested roles into one process. Nothing starts on import. */
export async function startBaton(opts: { env: Env; tenant: Tenant; roles: readonly Role[]; log: Logger }): Promise<Runtime> {
  const { env, tenant, roles, log } = opts
  // refused before anything connects: a production-like setup never runs the sandbox, and bad
  // API tokens fail the start, not the first login
  assertSandboxAllowed(env, roles)
  if (roles.includes('bot') || roles.includes('api')) for (const w of sandboxWarnings(env)) log.warn({ sandbox: true }, w)
  // the sandbox's own token acts as the sandbox's supervisor, so a newcomer can take a draft in
  // the console (the taker becomes the case owner, who must be a person reminders can reach)
  const sandboxSupervisor = env.sandbox ? tenant.people.find((p) => p.roles.includes('supervisor'))?.id : undefined
  const apiTokens = (roles.includes('api') ? parseApiTokens(env.BATON_API_TOKENS, { sandbox: env.sandbox }) : []).map((t) => (t === SANDBOX_TOKEN && sandboxSupervisor ? { ...t, name: sandboxSupervisor } : t))
  // the api role answers /healthz at once; /readyz names what start-up still waits for
  const waits = new DependencyWaits(log, { timeoutMs: env.BATON_DEPENDENCY_TIMEOUT_MS, retryMs: env.BATON_DEPENDENCY_RETRY_MS, retryMaxMs: env.BATON_DEPENDENCY_RETRY_MAX_MS }, [
    passwordOf(env.DATABASE_URL),
    passwordOf(env.REDIS_URL),
  ])
  const early = roles.includes('api')
    ? await listenHandingOver(createHttpApp(log, [startingHealthRoutes(() => waits.report())], [startingGate(() => waits.report())], { trustProxy: env.BATON_TRUST_PROXY }), env.PORT, env.HOST)
    : undefined
  if (early) log.info({ port: portOf(early.server, env.PORT), starting: true }, 'HTTP listening; reaching PostgreSQL and Redis')
  // Start-up awaits one attempt at each dependency: a misconfiguration ends it (exit 1), a
  // dependency that is down is waited for in the background and Baton starts degraded. Without
  // PostgreSQL inbound messages go to the spool; without Redis they are recorded and decided and
  // their sends and timers wait in PostgreSQL (see README "Staying up").
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
  // stopping while a dependency is still awaited ends the wait; a data source it opened meanwhile is closed
  const stops: Array<() => Promise<void>> = [
    async () => {
      waits.abort(new Error('stopping'))
      await Promise.allSettled([pgWait.ready, redisWait.ready])
      if (ds.isInitialized) await ds.destroy()
    },
  ]
  let serving = false
  try {
    const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null })
    // ioredis reconnects by itself; one line when Redis goes away, one when it is back
    let redisDown = false
    redis.on('error', (err: Error) => {
      if (!redisDown) log.warn({ err: { message: err.message } }, 'Redis connection error; sends and timers wait in PostgreSQL until it is back')
      redisDown = true
    })
    // a QUIT a hung Redis never answers must not hold the stop up
    stops.unshift(async () => void (await withDeadline(redis.quit(), 5000, 'Redis quit').catch(() => redis.disconnect())))
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
    if (!waits.isReady('postgres')) log.warn({ dependency: 'PostgreSQL' }, 'starting without PostgreSQL: inbound messages go to the local spool until it answers')

    const directory = new Directory(tenant)
    const { services, wording, policy, knowledge, loadKnowledge, understandingEntries, growth: growthConfig } = buildServices(tenant, directory)
    checkResilienceWording(wording)
    const telemetry = createTelemetry()
    const runtime: Runtime = { env, tenant, directory, ds, redis, stop: async () => undefined }
    const connection = redisConnection(env.REDIS_URL)
    const queue = createOutboundQueue(connection, env.BATON_QUEUE_PREFIX, tenant.outbound)
    queue.on('error', (err: Error) => log.warn({ err: { message: err.message } }, 'outbound queue: Redis error'))
    stops.unshift(() => withDeadline(queue.close(), 5000, 'outbound queue close').catch(() => queue.disconnect()))
    const relay = new OutboxRelay(ds, queue, log)
    runtime.relay = relay
    const timerQueue = createTimerQueue(connection, env.BATON_QUEUE_PREFIX)
    timerQueue.on('error', (err: Error) => log.warn({ err: { message: err.message } }, 'timer queue: Redis error'))
    stops.unshift(() => withDeadline(timerQueue.close(), 5000, 'timer queue close').catch(() => timerQueue.disconnect()))
    const timers = new TimerReconciler(ds, timerQueue, log)
    runtime.timers = timers
    const timersTouched = () => timers.kick()
    // every committed unit of work may have queued sends or moved a timer: act on it right away
    const sql = new SqlStore(ds)
    const schedules = roles.includes('bot') || roles.includes('worker')
    const store: Store = schedules ? storeWithCommitHooks(sql, { sendsQueued: () => relay.kick(), timersTouched }) : sql
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
    const clock = systemClock
    // supervisors' /auto switches override policy.automaticCategories
    const automation = new AutomationSwitches(new Set(policy.automaticCategories), sqlAutomationStore(ds), clock)
    services.isAutomatic = (category) => automation.isAutomatic(category)
    const broadcast = new KnowledgeBroadcast(redis, `${env.BATON_QUEUE_PREFIX}:knowledge-reload`, log)
    stops.unshift(() => withDeadline(broadcast.close(), 5000, 'knowledge broadcast close').catch(() => undefined))
    const metrics = metricsWiring({ ds, store, directory, services, wording, policy, knowledge, loadKnowledge, understandingEntries, clock, log, broadcast })
    runtime.knowledge = knowledge
    // What needs PostgreSQL starts once it answers: first the schema, the tenant's directory, the
    // /auto switches and the knowledge versions (then messages can be recorded and decided), then
    // the steps each role adds below. With PostgreSQL there at once, the first part runs here,
    // before the WeCom session starts, as it always did.
    const withPostgres = new PostgresStart(
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
        stops.unshift(async () => clearInterval(automationRefresh))
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
    if (waits.isReady('postgres')) await withPostgres.startCore()
    const postgresStarted = (): boolean => withPostgres.started
    // the shop's order service (orders.lookup), read before deciding a customer's progress question
    const orderWiring = await wireOrders({ tenant, env, redis, wording, timeZone: policy.timezone, clock, log })
    stops.unshift(() => orderWiring.stop())
    if (orderWiring.fake) runtime.orderService = orderWiring.fake
    const growth: GrowthDeps = { growth: new SqlGrowthStore(ds), cfg: growthConfig, directory, policy, clock, log, ...(schedules ? { sendsQueued: () => relay.kick() } : {}) }
    runtime.growth = growth
    const churn = wireChurn({ ds, growth, wording })
    runtime.churn = churn.deps
    const commandServices = {
      growth,
      churn: churn.deps,
      store,
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

    if (roles.includes('bot')) {
      const sandbox = env.sandbox ? new SandboxTenant(tenant) : undefined
      const session = new WecomSession(buildWechaty(env, sandbox?.puppet), log, [env.WECHATY_PUPPET_SERVICE_TOKEN], {
        attempts: env.BATON_PAYLOAD_ATTEMPTS,
        delayMs: env.BATON_PAYLOAD_RETRY_MS,
        maxDelayMs: env.BATON_PAYLOAD_RETRY_MAX_MS,
      })
      session.needTopics = directory.needsTopics
      const messages = new BatchingMessageStore(ds, new SqlMessageStore(ds))
      // contacts and their event log, written beside the decision path, never in its way
      const contactActivity = new ContactActivity(growth)
      runtime.contactActivity = contactActivity
      stops.unshift(() => contactActivity.settle())
      const pipeline = { ...commandServices, messages, messenger: session, isOutage: isDatabaseOutage, contacts: contactActivity }
      // messages that arrive together are decided together: one transaction, set-wise writes
      const decisions = new Batcher<RecordedMessage, HandlingMode | 'command' | null>((msgs) => processRecordedBatch(pipeline, msgs), DECISION_BATCH)
      // members joining or leaving a watched customer group: contacts, join rules, welcomes
      session.onMembership(async (kind, change) => {
        if (!postgresStarted()) throw postgresNotStarted(waits)
        if (kind === 'join') await welcomeNewcomers(growth, change)
        else await noteMembersLeft(growth, change)
      })
      // PostgreSQL down: inbound messages wait in a local spool and are replayed in order
      const intake = new InboundIntake(
        {
          // until PostgreSQL has answered (and the schema is in place) every message is spooled
          record: (msg) =>
            postgresStarted()
              ? recordMessage({ store: messages, directory, log, telemetry, duplicateWindowMs: env.BATON_DUPLICATE_WINDOW_MS, contacts: contactActivity }, msg)
              : Promise.reject(postgresNotStarted(waits)),
          process: async (msg) => {
            const mode = await decisions.submit(msg)
            if (mode) telemetry.decided(mode)
          },
          listUnhandled: (limit) => (postgresStarted() ? messages.listUnhandled(limit) : Promise.reject(postgresNotStarted(waits))),
          isOutage: isDatabaseOutage,
          spool: new FileSpool(join(resolve(env.BATON_DATA_DIR), 'spool')),
          log,
        },
        env.BATON_SPOOL_RETRY_MS,
      )
      session.onMessage((msg) => intake.handle(msg))
      // a message event whose payload never loaded: counted and told to the team once
      // (before PostgreSQL has answered, any failure to store the notice means "try again later")
      const unloadedReports = new UnloadedMessageReports({ store, directory, wording, clock, log, telemetry, isOutage: (err) => !postgresStarted() || isDatabaseOutage(err), retryMs: env.BATON_SPOOL_RETRY_MS })
      session.onUnloaded((m) => void unloadedReports.report(m))
      stops.unshift(async () => unloadedReports.stop())
      const internalGroup = directory.internalGroups()[0]
      const throttle = new SendThrottle(
        { perMinute: tenant.outbound.perAccountPerMinute, cooldownMs: env.BATON_THROTTLE_COOLDOWN_MS, reportAfter: env.BATON_THROTTLE_REPORT_AFTER },
        async (info) => {
          if (!internalGroup) return
          await store.transaction((tx) =>
            tx.insertSend(
              { kind: 'notice', caseId: null, groupKey: internalGroup.key, text: say(wording, 'resilience.send_throttled', { refusals: info.refusals, rate: Math.max(1, Math.floor(info.ratePerMinute)) }) },
              clock.now(),
            ),
          )
        },
        log,
      )
      runtime.throttle = throttle
      const caseRef = (caseId: number | null): string => (caseId ? say(wording, 'review.case_ref', { case_id: caseId, customer: '' }).replace(/（）$/, '') : '')
      const failureNotice = (i: { caseId: number | null; group: string; attempts: number; reason: string }): string =>
        say(wording, 'review.send_failed', { case_ref: caseRef(i.caseId), group: i.group, attempts: i.attempts, reason: i.reason })
      const isThrottled = throttleMatcher(env.BATON_THROTTLE_PATTERNS)
      const startSendWorker = () =>
        startOutboundWorker({
          connection,
          prefix: env.BATON_QUEUE_PREFIX,
          cfg: tenant.outbound,
          log,
          throttle,
          isOutage: isDatabaseOutage,
          groupOf: async (sendId) => ((await ds.query(`SELECT group_key FROM sends WHERE id = $1`, [sendId])) as { group_key: string | null }[])[0]?.group_key ?? null,
          deliver: async (sendId, final) => {
            const outcome = await deliverSend({ store, messenger: session, directory, clock, log, failureNotice, isThrottled, answerWithinMs: env.BATON_SEND_ANSWER_TIMEOUT_MS }, sendId, { final })
            telemetry.sendFinished(outcome)
            return outcome
          },
        })
      await session.start()
      sandbox?.populate()
      const watchdog = new ConnectionWatchdog(session.bot, log, {
        silentAfterMs: env.BATON_WATCHDOG_SILENT_MS,
        checkEveryMs: env.BATON_WATCHDOG_CHECK_MS,
        backoffMs: env.BATON_RESET_BACKOFF_MS,
        backoffMaxMs: env.BATON_RESET_BACKOFF_MAX_MS,
        secrets: [env.WECHATY_PUPPET_SERVICE_TOKEN],
      })
      watchdog.start()
      runtime.watchdog = watchdog
      const offlineAlerts = startOfflineAlerts({ env, wording, watchdog, log })
      intake.start()
      runtime.intake = intake
      // stop order: the send worker (started with PostgreSQL, so unshifted later) finishes its
      // job while the session is still up, then the session records every event already
      // delivered and closes
      stops.unshift(() => session.stop())
      stops.unshift(() => intake.stop())
      stops.unshift(() => watchdog.stop())
      stops.unshift(() => offlineAlerts.stop())
      withPostgres.add(async () => {
        // messages recorded but never decided (a crash in between) are decided now
        for (const msg of await messages.listUnhandled(1000))
          await processRecorded(pipeline, msg).catch((err: Error) => log.error({ messageId: msg.wecomId, err: { message: err.message } }, 'replaying an undecided message failed'))
        // sends a crash interrupted mid-delivery: confirmed by their echo, or reported, never resent
        const settle = (): void =>
          void settleInDoubtSends(
            {
              store,
              directory,
              clock,
              log,
              failureNotice,
              unknownNotice: (i) => say(wording, 'resilience.send_unknown', { send_id: i.sendId, case_ref: caseRef(i.caseId), group: i.group }),
              resentNotice: (text) => say(wording, 'resilience.notice_resent', { text }),
            },
            env.BATON_SEND_IN_DOUBT_AFTER_MS,
          ).catch((err: Error) => log.warn({ err: { message: err.message } }, 'settling interrupted sends failed'))
        const settleTimer = setInterval(settle, Math.max(1000, Math.floor(env.BATON_SEND_IN_DOUBT_AFTER_MS / 4)))
        settle()
        stops.unshift(async () => clearInterval(settleTimer))
        const worker = startSendWorker()
        stops.unshift(() => worker.close())
      })
      runtime.session = session
      if (sandbox) runtime.sandbox = sandbox
    }

    telemetry.attachGauges({
      queueCounts: async () => ({
        outbound: await withDeadline(queue.getJobCounts('waiting', 'active', 'delayed', 'failed'), 2000, 'queue depth').catch(() => ({})),
        timers: await withDeadline(timerQueue.getJobCounts('waiting', 'active', 'delayed', 'failed'), 2000, 'queue depth').catch(() => ({})),
      }),
      sendsByStatus: async () =>
        Object.fromEntries(
          ((await ds.query(`SELECT status, count(*)::int AS n FROM sends WHERE status <> 'sent' OR sent_at > now() - interval '1 day' GROUP BY status`)) as { status: string; n: number }[]).map((r) => [
            r.status,
            r.n,
          ]),
        ),
      waitingByState: async () =>
        Object.fromEntries(((await ds.query(`SELECT state, count(*)::int AS n FROM cases WHERE closed_at IS NULL GROUP BY state`)) as { state: string; n: number }[]).map((r) => [r.state, r.n])),
      oldestQueuedSendAgeSeconds: async () =>
        Number(((await ds.query(`SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) AS age FROM sends WHERE status IN ('queued','sending')`)) as { age: string }[])[0]?.age ?? 0),
      wecomLoggedIn: () => (runtime.session ? runtime.session.ready : null),
      ...(runtime.watchdog
        ? {
            resilience: () => {
              const w = runtime.watchdog!.state
              const last = [w.lastEventAt, w.lastHeartbeatAt].filter((d): d is Date => d !== null).sort((a, b) => b.getTime() - a.getTime())[0]
              return {
                connectionStatus: w.status,
                lastSignOfLifeAgeSeconds: last ? (Date.now() - last.getTime()) / 1000 : null,
                resets: w.resets,
                spoolDepth: runtime.intake?.state.spooled ?? 0,
                sendRatePerMinute: runtime.throttle?.ratePerMinute() ?? tenant.outbound.perAccountPerMinute,
                sendRefusals: runtime.throttle?.state.refusals ?? 0,
              }
            },
          }
        : {}),
    })

    if (roles.includes('api')) {
      const session = runtime.session
      const tokens = new TokenBook(apiTokens, new ConsoleSessions(sqlSessionStore(ds), { idleMs: env.BATON_SESSION_IDLE_MS, maxMs: env.BATON_SESSION_MAX_MS }, clock))
      const browser = sqlCaseBrowser(ds)
      const attention = sqlAttentionQueries(ds, { directory, wording })
      const routers = [
        healthRoutes({
          postgres: async () => {
            if (!postgresStarted()) throw postgresNotStarted(waits)
            await ds.query('SELECT 1')
          },
          // without Redis Baton still records and decides (sends and timers wait in PostgreSQL):
          // degraded, not down; ioredis reports its state, so no PING waits on a dead server
          redis: async () => {
            if (redis.status !== 'ready') throw Object.assign(new Error(`Redis at ${addressOf(env.REDIS_URL, 6379)} unreachable (${redis.status}); sends and timers wait in PostgreSQL`), { degraded: true })
            await redis.ping()
          },
          ...(session && runtime.watchdog
            ? {
                wecom: async () => {
                  const w = runtime.watchdog!.state
                  const details = {
                    connection: w.status,
                    since: w.since.toISOString(),
                    resets: w.resets,
                    lastEventAt: w.lastEventAt?.toISOString() ?? null,
                    lastHeartbeatAt: w.lastHeartbeatAt?.toISOString() ?? null,
                  }
                  if (w.status === 'token_invalid') throw Object.assign(new Error(`WeCom puppet token invalid or expired: ${w.lastError ?? ''}`.trim()), { details })
                  if (!session.ready || w.status !== 'online') throw Object.assign(new Error(`WeCom session ${w.status}${w.lastError ? `: ${w.lastError}` : ''}`), { details })
                  return details
                },
                spool: async () => {
                  const i = runtime.intake!.state
                  return { degraded: i.spooled > 0 || i.outage, depth: i.spooled, ...(i.since ? { outageSince: i.since.toISOString() } : {}) }
                },
              }
            : {}),
        }),
        metricsRoutes(telemetry.registry),
        sessionRoutes({ tokens, sessions: tokens.sessions!, throttle: redisLoginThrottle(redis, { prefix: env.BATON_QUEUE_PREFIX, perMinute: env.BATON_LOGIN_ATTEMPTS_PER_MINUTE }) }),
        caseRoutes({
          tokens,
          queries: commandServices.queries,
          browser,
          evidence: sqlEvidenceReader(ds),
          attention,
          directory,
          wording,
          clock,
          draftExpiryMs: services.draftExpiryMs,
          timeZone: policy.timezone,
        }),
        draftRoutes({
          tokens,
          browser,
          directory,
          wording,
          draftExpiryMs: services.draftExpiryMs,
          timeZone: policy.timezone,
          review: { store, directory, services, clock },
          messenger: () => runtime.session,
          log,
        }),
        attentionRoutes({ tokens, attention, store, directory, clock, services }),
        directoryRoutes({ tokens, directory }),
        contactRoutes({ tokens, growth }),
        ...churn.routers(tokens),
        ...metrics.routers(tokens),
        openApiRoutes([registerSessionPaths, registerCasePaths, registerDraftPaths, registerAttentionPaths, registerDirectoryPaths, registerMetricsPaths, registerContactPaths, churn.registerPaths]),
        ...(runtime.sandbox ? [sandboxRoutes(runtime.sandbox, sqlSandboxTranscripts(ds, { directory, botId: runtime.sandbox.botRef().id, botName: runtime.sandbox.botRef().name }), runtime.orderService)] : []),
        consoleRoutes({ wording, sandbox: runtime.sandbox !== undefined, timeZone: policy.timezone }),
      ]
      // every route but health needs PostgreSQL: a 503 naming it until it has answered
      const gate = startingGate(() => waits.report().filter((d) => d.key === 'postgres'))
      const untilPostgres: Middleware = (ctx, next) => (postgresStarted() ? next() : gate(ctx, next))
      early!.handOver(createHttpApp(log, routers, [untilPostgres, ...(runtime.sandbox ? [loopbackHostOnly()] : []), queueBoard(tokens, [queue, timerQueue])], { trustProxy: env.BATON_TRUST_PROXY }))
      const server = early!.server
      serving = true
      stops.unshift(() => closeServer(server))
      runtime.server = server
      const addr = server.address()
      log.info({ port: typeof addr === 'object' && addr ? addr.port : env.PORT }, 'HTTP listening')
    }

    if (roles.includes('worker'))
      withPostgres.add(async () => {
        // BullMQ fires every timer (the reconciler above keeps its jobs in line with PostgreSQL)
        const timerBatches = timerBatchesWithCommitHooks(new SqlTimerBatchStore(ds), { sendsQueued: () => relay.kick(), timersTouched })
        const timerWorker = startTimerFiring({ connection, prefix: env.BATON_QUEUE_PREFIX, timerBatches, store, directory, services, wording, clock, log, telemetry })
        stops.unshift(() => timerWorker.close())
        const expiry = metrics.draftExpirySweep()
        expiry.start()
        stops.unshift(() => expiry.stop())
        // nightly tag rules (e.g. dormant): a BullMQ job scheduler, one schedule however many workers
        if (growthConfig.rules.some((r) => r.when.event === 'nightly') || churn.enabled) {
          const nightly = createNightlyQueue(connection, env.BATON_QUEUE_PREFIX)
          nightly.on('error', (err: Error) => log.warn({ err: { message: err.message } }, 'nightly queue: Redis error'))
          stops.unshift(() => withDeadline(nightly.close(), 5000, 'nightly queue close').catch(() => nightly.disconnect()))
          void scheduleNightlyRules(nightly, growthConfig.nightlyAt, policy.timezone).catch((err: Error) =>
            log.warn({ err: { message: err.message } }, 'scheduling the nightly tag rules failed; retried at the next start'),
          )
          const nightlyWorker = startNightlyWorker({ connection, prefix: env.BATON_QUEUE_PREFIX, log, sweep: churn.nightly(() => sweepNightlyRules(growth)) })
          stops.unshift(() => nightlyWorker.close())
        }
      })
    if (schedules)
      withPostgres.add(async () => {
        relay.start()
        timers.start()
        stops.unshift(() => relay.stop())
        stops.unshift(() => timers.stop())
      })

    // PostgreSQL there: a failure here ends start-up, as always; else it all starts when it answers
    if (withPostgres.started) await withPostgres.runAll()
    else withPostgres.whenAnswered(pgWait.ready)

    runtime.stop = once(async () => {
      // a start still waiting for PostgreSQL (or half-way through it) is ended before anything stops
      waits.abort(new Error('stopping'))
      await withPostgres.halt()
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
    if (early && !serving) await closeServer(early.server)
    for (const stop of stops) await stop().catch(() => undefined)
    throw err
  }
}

const passwordOf = (url: string): string | undefined => decodeURIComponent(new URL(url).password) || undefined
const portOf = (server: Server, fallback: number): number => {
  const addr = server.address()
  return typeof addr === 'object' && addr ? addr.port : fallback
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
