import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import type { DataSource } from 'typeorm'
import type { Logger } from '../app/ports.js'
import { AppError } from '../app/errors.js'
import { ensureDatabase, type DbOptions } from '../adapters/db/data-source.js'
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

/** A dependency being waited for: `first` settles after the first attempt, `ready` when it answers. */
export interface Wait<T> {
  /** resolves after the first attempt (answered or not); rejects when that answer was a misconfiguration */
  first: Promise<void>
  /** resolves once the dependency answers; rejects only when the wait is aborted */
  ready: Promise<T>
}

/**
 * The wait for PostgreSQL and Redis. A server that is down, refuses, or accepts the connection and
 * never answers costs one bounded attempt, one log line naming it and its address, and a retry
 * after a backoff, without end. Start-up awaits only the first attempt (`first`): an answer that
 * can only be a misconfiguration (a wrong password, a missing database) ends start-up at once,
 * while a dependency that is merely down is waited for in the background and Baton starts
 * degraded. A misconfiguration met later is logged as an error and retried. `report()` feeds /readyz.
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

  /** Whether a dependency answered (false while it is awaited or was never asked for). */
  isReady(key: 'postgres' | 'redis'): boolean {
    return this.deps.get(key)?.state === 'ready'
  }

  /**
   * Initializes `ds` (creating the database and schema first when asked). The data source is made
   * once, before PostgreSQL answers, so everything wired on it works as soon as it does.
   */
  postgres(ds: DataSource, db: DbOptions & { ensure: boolean }): Wait<DataSource> {
    return this.waitFor(
      { key: 'postgres', name: 'PostgreSQL', address: addressOf(db.url, 5432) },
      async () => {
        if (db.ensure) await ensureDatabase({ ...db, connectTimeoutMs: db.connectTimeoutMs ?? this.opts.timeoutMs })
        await ds.initialize()
        return ds
      },
      (err) => isPostgresAnswer(err) && !isDatabaseOutage(err),
    )
  }

  /** Waits until Redis at `url` answers a PING. */
  redis(url: string): Wait<void> {
    return this.waitFor(
      { key: 'redis', name: 'Redis', address: addressOf(url, 6379) },
      () => pingRedis(url, this.opts.timeoutMs),
      (err) => (err as Error).name === 'ReplyError',
    )
  }

  private waitFor<T>(dep: { key: string; name: string; address: string }, attempt: () => Promise<T>, isFatal: (err: unknown) => boolean): Wait<T> {
    let firstDone!: () => void
    let firstFailed!: (err: Error) => void
    const first = new Promise<void>((resolve, reject) => {
      firstDone = resolve
      firstFailed = reject
    })
    const ready = this.loop(dep, attempt, isFatal, firstDone, firstFailed)
    // the caller may stop listening to `ready` after a fatal first answer
    ready.catch(() => undefined)
    return { first, ready }
  }

  private async loop<T>(
    dep: { key: string; name: string; address: string },
    attempt: () => Promise<T>,
    isFatal: (err: unknown) => boolean,
    firstDone: () => void,
    firstFailed: (err: Error) => void,
  ): Promise<T> {
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
        firstDone()
        return value
      } catch (err) {
        const reason = redactSecrets((err as Error).message || String(err), this.secrets)
        state.lastError = reason
        if (isFatal(err)) {
          this.log.error({ dependency: dep.name, address: dep.address, attempt: state.attempts, err: { message: reason } }, `${where} refused: ${reason}`)
          const fatal = new Error(`${where} refused: ${reason}`)
          if (state.attempts === 1) {
            firstFailed(fatal)
            throw fatal
          }
        }
        const delay = resetDelayMs(state.attempts - 1, this.opts.retryMs, this.opts.retryMaxMs)
        if (!isFatal(err))
          this.log.warn(
            { dependency: dep.name, address: dep.address, attempt: state.attempts, retryInMs: delay, err: { message: reason } },
            `${where} not answering (attempt ${state.attempts}): ${reason}; retrying in ${delay} ms`,
          )
        firstDone()
        await sleep(delay, undefined, { signal: this.stopped.signal }).catch(() => undefined)
      }
    }
  }
}

/**
 * What an inbound message meets before PostgreSQL has answered since start-up: an outage (the
 * message is spooled, see isDatabaseOutage), naming where Baton waits and why.
 */
export function postgresNotStarted(waits: DependencyWaits): AppError {
  const pg = waits.report().find((d) => d.key === 'postgres')
  const where = pg ? `PostgreSQL at ${pg.address}` : 'PostgreSQL'
  return new AppError('dependency_down', `waiting for ${where}${pg?.lastError ? `: ${pg.lastError}` : ''}`, { dependency: 'postgres', ...(pg ? { attempts: pg.attempts, since: pg.since } : {}) })
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
