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
import { syncDirectory } from '../adapters/db/sync-directory.js'
import { closeServer, createHttpApp, listen } from '../adapters/http/create-http-app.js'
import { healthRoutes } from '../adapters/http/health-routes.js'
import { sandboxRoutes } from '../adapters/http/sandbox-routes.js'
import { buildWechaty } from '../adapters/wecom/build-wechaty.js'
import { SandboxTenant } from '../adapters/wecom/sandbox-tenant.js'
import { WecomSession } from '../adapters/wecom/wecom-session.js'
import { createTelemetry } from './telemetry.js'

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
    const telemetry = createTelemetry()
    const runtime: Runtime = { env, tenant, directory, ds, redis, stop: async () => undefined }

    if (roles.includes('bot')) {
      const sandbox = env.sandbox ? new SandboxTenant(tenant) : undefined
      const session = new WecomSession(buildWechaty(env, sandbox?.puppet), log)
      session.needTopics = directory.needsTopics
      const store = new SqlMessageStore(ds)
      session.onMessage(async (msg) => {
        await recordMessage({ store, directory, log, telemetry }, msg)
      })
      await session.start()
      sandbox?.populate()
      stops.unshift(() => session.stop())
      runtime.session = session
      if (sandbox) runtime.sandbox = sandbox
    }

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
        ...(runtime.sandbox ? [sandboxRoutes(runtime.sandbox)] : []),
      ]
      const server = await listen(createHttpApp(log, routers), env.PORT, env.HOST)
      stops.unshift(() => closeServer(server))
      runtime.server = server
      const addr = server.address()
      log.info({ port: typeof addr === 'object' && addr ? addr.port : env.PORT }, 'HTTP listening')
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

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined
  return () => (p ??= fn())
}
