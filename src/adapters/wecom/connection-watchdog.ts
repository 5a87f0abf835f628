import type { Wechaty } from 'wechaty'
import type { Logger } from '../../app/ports.js'
import { redactSecrets } from '../../domain/resilience/redact.js'
import { classifyPuppetError, isSilent, resetDelayMs, type ConnectionStatus, type PuppetErrorKind } from '../../domain/resilience/connection-health.js'

export interface WatchdogOptions {
  /** no event or heartbeat for this long: the puppet is reset */
  silentAfterMs: number
  checkEveryMs: number
  /** first reset delay; doubles per reset that did not bring the session back, up to backoffMaxMs */
  backoffMs: number
  backoffMaxMs: number
  /** never shown in logs or state (the puppet token) */
  secrets?: readonly (string | undefined)[]
}

export interface ConnectionState {
  status: ConnectionStatus
  /** when the status last changed */
  since: Date
  lastEventAt: Date | null
  lastHeartbeatAt: Date | null
  lastError: string | null
  lastErrorKind: PuppetErrorKind | null
  resets: number
  /** resets since the session was last online (drives the backoff) */
  failedResets: number
}

/**
 * Baton's own watchdog over the puppet, on top of wechaty-puppet's (which resets after 60 s
 * without a heartbeat but gives up when the restart fails, leaving the puppet stopped). It
 * tracks the last event and heartbeat, pings the puppet (`ding`) when things are quiet, and
 * resets — or restarts a stopped puppet — when the session is silent past the threshold or the
 * gRPC stream reports 14 UNAVAILABLE / 1 CANCELLED. Resets are debounced (one at a time, errors
 * in a burst cause one reset) and backed off exponentially. Token problems are not retried in a
 * loop: they need a person, and are reported as such.
 */
/** wechaty-puppet's own watchdog resets after 60 s without a stream event: ding well before */
const KEEPALIVE_MS = 25_000

export class ConnectionWatchdog {
  readonly state: ConnectionState
  private timer: NodeJS.Timeout | null = null
  private resetTimer: NodeJS.Timeout | null = null
  private resetting: Promise<void> | null = null
  private lastResetAt = 0
  private startedAt = new Date()
  private lastDingAt = 0
  private stopped = false
  private readonly listeners: Array<() => void> = []
  private readonly changes = new Set<(s: ConnectionState) => void>()

  constructor(
    private readonly bot: Wechaty,
    private readonly log: Logger,
    private readonly opts: WatchdogOptions,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.state = { status: 'starting', since: this.now(), lastEventAt: null, lastHeartbeatAt: null, lastError: null, lastErrorKind: null, resets: 0, failedResets: 0 }
  }

  /** Called on every status change (offline alerts listen here). */
  onChange(fn: (s: ConnectionState) => void): void {
    this.changes.add(fn)
  }

  get online(): boolean {
    return this.state.status === 'online'
  }

  start(): void {
    this.startedAt = this.now()
    const on = <A extends unknown[]>(event: string, fn: (...args: A) => void): void => {
      const bot = this.bot as unknown as { on(e: string, f: (...a: A) => void): void; off(e: string, f: (...a: A) => void): void }
      bot.on(event, fn)
      this.listeners.push(() => bot.off(event, fn))
    }
    on('heartbeat', () => this.alive('heartbeat'))
    on('dong', () => this.alive('heartbeat'))
    on('message', () => this.alive('event'))
    on('ready', () => this.alive('event'))
    on('login', () => {
      this.alive('event')
      this.state.failedResets = 0
      this.set('online')
    })
    on('logout', () => this.set('logged_out'))
    on('error', (err: Error & { code?: unknown; details?: unknown }) => this.failed(err))
    if (this.bot.isLoggedIn) this.set('online')
    this.timer = setInterval(() => this.check(), this.opts.checkEveryMs)
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    if (this.resetTimer) clearTimeout(this.resetTimer)
    for (const off of this.listeners.splice(0)) off()
    await this.resetting
    this.set('stopped')
  }

  /** A puppet error: token problems are terminal until a person acts; gRPC drops reset at once. */
  failed(err: { message?: string; code?: unknown; details?: unknown }): void {
    const kind = classifyPuppetError(err)
    this.state.lastError = redactSecrets(describePuppetError(err), this.opts.secrets)
    this.state.lastErrorKind = kind
    if (kind === 'token') {
      if (this.state.status !== 'token_invalid') this.log.error({ err: { message: this.state.lastError } }, 'WeCom puppet token invalid or expired; fix WECHATY_PUPPET_SERVICE_TOKEN')
      this.set('token_invalid')
      return
    }
    if (kind === 'unavailable' || kind === 'cancelled') {
      this.set('reconnecting')
      this.requestReset(`gRPC ${kind}`)
    }
  }

  /** One watchdog pass (also run by tests). */
  check(): void {
    if (this.stopped || this.state.status === 'token_invalid') return
    const now = this.now()
    const lastSignOfLife = latest(this.state.lastEventAt, this.state.lastHeartbeatAt)
    const puppetUp = this.puppetActive()
    const quietAfterMs = Math.min(this.opts.silentAfterMs / 2, KEEPALIVE_MS)
    if (puppetUp && isSilent({ now, lastSignOfLife, startedAt: this.startedAt, silentAfterMs: quietAfterMs }) && now.getTime() - this.lastDingAt > Math.min(this.opts.silentAfterMs / 4, KEEPALIVE_MS)) {
      // quiet is not silence: ask the puppet for a `dong` before calling it dead. Also a
      // keep-alive: wechaty-puppet resets a puppet-service connection after 60 s without a
      // stream event, and a gateway that sends no heartbeats while idle (wechaty-puppet-mock
      // behind wechaty-puppet-service, found by the benchmark) was reset — and its messages
      // lost — every quiet minute. The dong is a stream event and keeps it fed.
      this.lastDingAt = now.getTime()
      try {
        // some puppets answer with a promise: a rejection must never go unhandled
        const r: unknown = this.bot.puppet.ding(`baton-watchdog-${now.getTime()}`)
        if (r instanceof Promise) r.catch((err: Error) => this.failed(err))
      } catch (err) {
        this.failed(err as Error)
      }
    }
    if (!puppetUp) {
      if (this.state.status === 'online') this.set('reconnecting')
      this.requestReset('puppet stopped')
    } else if (!this.bot.isLoggedIn && now.getTime() - Math.max(this.state.since.getTime(), this.lastResetAt) > this.opts.silentAfterMs) {
      // connected (heartbeats flow) but no login came back: a reset asks the gateway again
      this.requestReset('not logged in')
    } else if (isSilent({ now, lastSignOfLife, startedAt: this.startedAt, silentAfterMs: this.opts.silentAfterMs })) {
      if (this.state.status === 'online' || this.state.status === 'starting') this.set('silent')
      this.requestReset('silent')
    }
  }

  private alive(kind: 'event' | 'heartbeat'): void {
    const now = this.now()
    if (kind === 'heartbeat') this.state.lastHeartbeatAt = now
    else this.state.lastEventAt = now
    if ((this.state.status === 'silent' || this.state.status === 'reconnecting' || this.state.status === 'starting') && this.bot.isLoggedIn) {
      this.state.failedResets = 0
      this.set('online')
    }
  }

  private set(status: ConnectionStatus): void {
    if (this.state.status === status) return
    if (this.stopped && status !== 'stopped') return
    const from = this.state.status
    this.state.status = status
    this.state.since = this.now()
    this.log[status === 'online' ? 'info' : 'warn']({ from, to: status }, 'WeCom connection state changed')
    for (const fn of this.changes) fn(this.state)
  }

  private puppetActive(): boolean {
    try {
      return this.bot.puppet.state.active() === true
    } catch {
      return false
    }
  }

  /** Debounced: while a reset runs or is scheduled, further requests are absorbed. */
  private requestReset(reason: string): void {
    if (this.stopped || this.resetting || this.resetTimer) return
    const delay = resetDelayMs(this.state.failedResets, this.opts.backoffMs, this.opts.backoffMaxMs)
    const wait = Math.max(0, this.lastResetAt + delay - this.now().getTime())
    this.resetTimer = setTimeout(() => {
      this.resetTimer = null
      this.resetting = this.reset(reason)
        .catch((err: Error) => this.log.error({ err: { message: redactSecrets(err.message, this.opts.secrets) } }, 'puppet reset crashed'))
        .finally(() => {
          this.resetting = null
        })
    }, wait)
  }

  private async reset(reason: string): Promise<void> {
    if (this.stopped) return
    this.lastResetAt = this.now().getTime()
    this.state.resets++
    this.state.failedResets++
    // a reset counts as a fresh start for silence: the next check waits a full threshold
    this.startedAt = this.now()
    this.state.lastEventAt = null
    this.state.lastHeartbeatAt = null
    const puppet = this.bot.puppet
    this.log.warn({ reason, resets: this.state.resets, failedResets: this.state.failedResets, puppet: { active: puppet.state.active(), inactive: puppet.state.inactive() } }, 'resetting the WeCom puppet')
    try {
      if (puppet.state.active() === true) await within(puppet.reset(), RESET_TIMEOUT_MS, 'puppet reset')
      else {
        // a start left half-way ('pending') makes the next start() wait forever: stop it first
        await within(puppet.stop(), RESET_TIMEOUT_MS, 'puppet stop').catch(() => undefined)
        this.log.debug({ active: puppet.state.active(), inactive: puppet.state.inactive() }, 'puppet stopped; starting it')
        await within(puppet.start(), RESET_TIMEOUT_MS, 'puppet start')
      }
    } catch (err) {
      this.failed(err as Error)
      this.log.warn({ err: { message: redactSecrets((err as Error).message, this.opts.secrets) } }, 'puppet reset failed; will try again')
    }
  }
}

/** wechaty-puppet's own stop/start wait without a limit in some states; ours never do. */
const RESET_TIMEOUT_MS = 30_000

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    )
  })
}

function latest(a: Date | null, b: Date | null): Date | null {
  if (!a) return b
  if (!b) return a
  return a > b ? a : b
}

/**
 * The text an operator sees for a puppet error. A gRPC status error may carry no `message`, only a
 * numeric `code` and a `details` string; `String(err)` would show "[object Object]".
 */
function describePuppetError(err: { message?: string; code?: unknown; details?: unknown }): string {
  if (err.message) return err.message
  const code = typeof err.code === 'number' || typeof err.code === 'string' ? `${err.code} ` : ''
  const details = typeof err.details === 'string' ? err.details : ''
  return `${code}${details}`.trim() || 'unknown puppet error'
}
