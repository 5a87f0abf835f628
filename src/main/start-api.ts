import type { Server } from 'node:http'
import type Koa from 'koa'
import type { Middleware } from 'koa'
import type Router from '@koa/router'
import type { ApiToken } from '../config/api-tokens.js'
import { sqlAttentionQueries } from '../adapters/db/attention-queries.js'
import { sqlCaseBrowser } from '../adapters/db/case-browser-queries.js'
import { sqlEvidenceReader } from '../adapters/db/evidence-store.js'
import { sqlRuntimeQueries } from '../adapters/db/runtime-queries.js'
import { sqlSandboxTranscripts } from '../adapters/db/sandbox-transcripts.js'
import { sqlSessionStore } from '../adapters/db/session-store.js'
import { attentionRoutes, registerAttentionPaths } from '../adapters/http/attention-routes.js'
import { TokenBook } from '../adapters/http/auth.js'
import { caseRoutes, registerCasePaths } from '../adapters/http/case-routes.js'
import { consoleRoutes } from '../adapters/http/console-routes.js'
import { ConsoleSessions } from '../adapters/http/console-sessions.js'
import { contactRoutes, registerContactPaths } from '../adapters/http/contact-routes.js'
import { closeServer, createHttpApp } from '../adapters/http/create-http-app.js'
import { directoryRoutes, registerDirectoryPaths } from '../adapters/http/directory-routes.js'
import { draftRoutes, registerDraftPaths } from '../adapters/http/draft-routes.js'
import { healthRoutes, startingGate, type ReadinessCheck } from '../adapters/http/health-routes.js'
import { redisLoginThrottle } from '../adapters/http/login-throttle.js'
import { loopbackHostOnly } from '../adapters/http/loopback-host.js'
import { registerMetricsPaths } from '../adapters/http/metrics-openapi.js'
import { metricsRoutes } from '../adapters/http/metrics-routes.js'
import { openApiRoutes } from '../adapters/http/openapi.js'
import { queueBoard } from '../adapters/http/queue-board.js'
import { sandboxRoutes } from '../adapters/http/sandbox-routes.js'
import { registerSessionPaths, sessionRoutes } from '../adapters/http/session-routes.js'
import { addressOf, postgresNotStarted } from './await-dependencies.js'
import type { Shared } from './shared-runtime.js'
import { Stoppers } from './stoppers.js'

/** The HTTP server start-up opened early (it answered /healthz and /readyz while dependencies were awaited). */
export interface EarlyServer {
  server: Server
  handOver(app: Koa): void
}

/**
 * The api role: hands the early server over to the full app (health, API, console, metrics).
 * Every route but health waits for PostgreSQL. Returns what it must stop.
 */
export function startApi(s: Shared, early: EarlyServer, apiTokens: readonly ApiToken[]): Stoppers {
  const { env, ds, log, runtime } = s
  const stops = new Stoppers()
  const tokens = new TokenBook([...apiTokens], new ConsoleSessions(sqlSessionStore(ds), { idleMs: env.BATON_SESSION_IDLE_MS, maxMs: env.BATON_SESSION_MAX_MS }, s.clock))
  // every route but health needs PostgreSQL: a 503 naming it until it has answered
  const gate = startingGate(() => s.waits.report().filter((d) => d.key === 'postgres'))
  const untilPostgres: Middleware = (ctx, next) => (s.postgresStarted() ? next() : gate(ctx, next))
  const guards = [untilPostgres, ...(runtime.sandbox ? [loopbackHostOnly()] : []), queueBoard(tokens, [...s.accounts.queues(), s.timerQueue])]
  early.handOver(createHttpApp(log, [healthRoutes(healthChecks(s)), ...apiRouters(s, tokens)], guards, { trustProxy: env.BATON_TRUST_PROXY }))
  const server = early.server
  stops.add(() => closeServer(server))
  runtime.server = server
  const addr = server.address()
  log.info({ port: typeof addr === 'object' && addr ? addr.port : env.PORT }, 'HTTP listening')
  return stops
}

/** /readyz: PostgreSQL, Redis and (with the bot role here) the WeCom session and the spool. */
function healthChecks(s: Shared): Record<string, ReadinessCheck> {
  const { env, redis, runtime } = s
  const queries = sqlRuntimeQueries(s.ds)
  const session = runtime.session
  const watchdog = runtime.watchdog
  const intake = runtime.intake
  return {
    postgres: async () => {
      if (!s.postgresStarted()) throw postgresNotStarted(s.waits)
      await queries.ping()
    },
    // without Redis Baton still records and decides (sends and timers wait in PostgreSQL):
    // degraded, not down; ioredis reports its state, so no PING waits on a dead server
    redis: async () => {
      if (redis.status !== 'ready') throw Object.assign(new Error(`Redis at ${addressOf(env.REDIS_URL, 6379)} unreachable (${redis.status}); sends and timers wait in PostgreSQL`), { degraded: true })
      await redis.ping()
    },
    ...(session && watchdog && intake
      ? {
          wecom: async () => {
            const w = watchdog.state
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
            const i = intake.state
            return { degraded: i.spooled > 0 || i.outage, depth: i.spooled, ...(i.since ? { outageSince: i.since.toISOString() } : {}) }
          },
        }
      : {}),
  }
}

/** Everything the API and console serve beside health. */
function apiRouters(s: Shared, tokens: TokenBook): Router[] {
  const { env, ds, redis, runtime, directory, wording, clock, services, store, log, policy } = s
  const browser = sqlCaseBrowser(ds)
  const attention = sqlAttentionQueries(ds, { directory, wording })
  const sandbox = runtime.sandbox
  return [
    metricsRoutes(s.telemetry.registry),
    sessionRoutes({ tokens, sessions: tokens.sessions!, throttle: redisLoginThrottle(redis, { prefix: env.BATON_QUEUE_PREFIX, perMinute: env.BATON_LOGIN_ATTEMPTS_PER_MINUTE }) }),
    caseRoutes({
      tokens,
      queries: s.commandServices.queries,
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
      review: { store, directory, services, wording, clock },
      messenger: () => runtime.session,
      log,
    }),
    attentionRoutes({ tokens, attention, store, directory, clock, services }),
    directoryRoutes({ tokens, directory }),
    contactRoutes({ tokens, growth: s.growth }),
    ...s.churn.routers(tokens),
    ...s.metrics.routers(tokens),
    openApiRoutes([registerSessionPaths, registerCasePaths, registerDraftPaths, registerAttentionPaths, registerDirectoryPaths, registerMetricsPaths, registerContactPaths, s.churn.registerPaths]),
    ...(sandbox ? [sandboxRoutes(sandbox, sqlSandboxTranscripts(ds, { directory, botId: sandbox.botRef().id, botName: sandbox.botRef().name }), runtime.orderService)] : []),
    consoleRoutes({ wording, sandbox: sandbox !== undefined, timeZone: policy.timezone }),
  ]
}
