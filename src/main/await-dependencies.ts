import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import type { DataSource } from 'typeorm'
import type { Logger } from '../app/ports.js'
import { createDataSource, ensureDatabase, type DbOptions } from '../adapters/db/data-source.js'
import { isDatabaseOutage } from '../adapters/db/is-outage.js'
import { withDeadline } from '../adapters/queue/deadline.js'
import type { StartupDependency } from '../adapters/http/health-routes.js'
import { resetDelayMs } from '../domain/resilience/connection-health.js'
import { redactSecrets } from '../domain/resilience/redact.js'

export interface WaitOptions {
  /** each attempt gets this long to connect and answer */
  timeoutMs: number
  /** backoff between attempts: retryMs, 2×, 4× … capped at retryMaxMs */
  retryMs: number
  retryMaxMs: number
}

/** `host:port` of a URL: what a log line may say about where a dependency is (never the password). */
export function addressOf(url: string, defaultPort: number): string {
  const u = new URL(url)
  return `${u.hostname || 'localhost'}:${u.port || defaultPort}`
}

/**
 * Start-up's wait for PostgreSQL and Redis. A server that is down, refuses, or accepts the
 * connection and never answers costs one bounded attempt, one log line naming it and its
 * address, and a retry after a backoff; an answer that can only be a misconfiguration (a wrong
 * password, a missing database) ends start-up at once. `report()` feeds /readyz meanwhile.
 */
export class DependencyWaits {
  private readonly deps = new Map<string, StartupDependency>()
  private readonly stopped = new AbortController()

  constructor(
    private readonly log: Logger,
    private readonly opts: WaitOptions,
    /** passwords and tokens that must never reach a log line or /readyz */
    private readonly secrets: readonly (string | undefined)[] = [],
  ) {}

  /** Every dependency start-up needs, and where it stands. */
  report(): StartupDependency[] {
    return [...this.deps.values()].map((d) => ({ ...d }))
  }

  /** Stops every wait still running (start-up gave up on another dependency, or the process stops). */
  abort(reason: Error): void {
    this.stopped.abort(reason)
  }

  /** Connects PostgreSQL (creating the database and schema first when asked) and answers the data source. */
  postgres(db: DbOptions & { ensure: boolean }): Promise<DataSource> {
    return this.waitFor({ key: 'postgres', name: 'PostgreSQL', address: addressOf(db.url, 5432) }, async () => {
      const opts: DbOptions = { ...db, connectTimeoutMs: db.connectTimeoutMs ?? this.opts.timeoutMs }
      if (db.ensure) await ensureDatabase(opts)
      const ds = createDataSource(opts)
      await ds.initialize()
      return ds
    }, (err) => isPostgresAnswer(err) && !isDatabaseOutage(err))
  }

  /** Waits until Redis at `url` answers a PING. */
  redis(url: string): Promise<void> {
    return this.waitFor({ key: 'redis', name: 'Redis', address: addressOf(url, 6379) }, () => pingRedis(url, this.opts.timeoutMs), (err) => (err as Error).name === 'ReplyError')
  }

  private async waitFor<T>(dep: { key: string; name: string; address: string }, attempt: () => Promise<T>, isFatal: (err: unknown) => boolean): Promise<T> {
    const state: StartupDependency = { ...dep, state: 'waiting', attempts: 0, lastError: null, since: new Date().toISOString() }
    this.deps.set(dep.key, state)
    const where = `${dep.name} at ${dep.address}`
    for (;;) {
      this.stopped.signal.throwIfAborted()
      state.attempts++
      try {
        const value = await attempt()
        state.state = 'ready'
        state.lastError = null
        this.log.info({ dependency: dep.name, address: dep.address, attempts: state.attempts }, `${where} answered`)
        return value
      } catch (err) {
        const reason = redactSecrets((err as Error).message || String(err), this.secrets)
        state.lastError = reason
        if (isFatal(err)) {
          this.log.error({ dependency: dep.name, address: dep.address, attempt: state.attempts, err: { message: reason } }, `${where} refused: ${reason}`)
          throw new Error(`${where} refused: ${reason}`)
        }
        const delay = resetDelayMs(state.attempts - 1, this.opts.retryMs, this.opts.retryMaxMs)
        this.log.warn(
          { dependency: dep.name, address: dep.address, attempt: state.attempts, retryInMs: delay, err: { message: reason } },
          `${where} not answering (attempt ${state.attempts}): ${reason}; retrying in ${delay} ms`,
        )
        await sleep(delay, undefined, { signal: this.stopped.signal }).catch(() => undefined)
      }
    }
  }
}

/** An error PostgreSQL itself sent (it has a SQLSTATE): the server answered, so waiting will not help unless it says it is starting. */
function isPostgresAnswer(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return true
    e = (e as { driverError?: unknown; cause?: unknown }).driverError ?? (e as { cause?: unknown }).cause
  }
  return false
}

/** One bounded connection and PING on a client of its own (no retries, no offline queue), closed after. */
async function pingRedis(url: string, timeoutMs: number): Promise<void> {
  // the PING is the ready check (ioredis' own INFO check would be left hanging on a hung server)
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, enableReadyCheck: false, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null })
  // ioredis reports a refused connection as "Connection is closed."; the socket's error says why
  let cause: Error | null = null
  probe.on('error', (err: Error) => void (cause ??= err))
  try {
    await withDeadline(
      probe.connect().then(() => probe.ping()),
      timeoutMs,
      'connecting',
    )
  } catch (err) {
    throw cause && cause !== err && !(err as Error).message.includes('no answer') ? cause : err
  } finally {
    probe.disconnect()
  }
}
