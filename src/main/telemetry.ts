import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Telemetry } from '../app/ports.js'

/** What a scrape reads live: queue depths, send states, waiting cases, the WeCom session. */
export interface LiveGauges {
  queueCounts(): Promise<Record<string, Record<string, number>>>
  sendsByStatus(): Promise<Record<string, number>>
  waitingByState(): Promise<Record<string, number>>
  oldestQueuedSendAgeSeconds(): Promise<number>
  wecomLoggedIn(): boolean | null
  /** staying-up figures (bot role only) */
  resilience?(): ResilienceFigures
}

export interface ResilienceFigures {
  connectionStatus: string
  lastSignOfLifeAgeSeconds: number | null
  resets: number
  spoolDepth: number
  sendRatePerMinute: number
  sendRefusals: number
}

const CONNECTION_STATUSES = ['starting', 'online', 'silent', 'reconnecting', 'logged_out', 'token_invalid', 'stopped']

/** Prometheus metrics behind the app's Telemetry port, plus gauges computed at scrape time. */
export function createTelemetry(registry = new Registry()): Telemetry & { registry: Registry; decided(mode: string): void; attachGauges(g: LiveGauges): void } {
  const ignored = new Counter({ name: 'baton_inbound_ignored_total', help: 'Inbound messages ignored (unwatched groups)', labelNames: ['reason'], registers: [registry] })
  const recorded = new Counter({ name: 'baton_inbound_recorded_total', help: 'Messages recorded', labelNames: ['channel'], registers: [registry] })
  const duplicate = new Counter({ name: 'baton_inbound_duplicate_total', help: 'Replayed or duplicate messages dropped', registers: [registry] })
  const unloaded = new Counter({
    name: 'baton_inbound_unloaded_total',
    help: 'Message events given up because their payload never loaded from the puppet (each is reported to the internal group)',
    registers: [registry],
  })
  const timerLateness = new Histogram({
    name: 'baton_timer_lateness_seconds',
    help: 'How late reminders and escalations fired after their due time (quiet-hour holds excluded: the due time is the held one)',
    labelNames: ['step'],
    buckets: [0.1, 0.5, 1, 2, 5, 15, 60, 300],
    registers: [registry],
  })
  const sendAttempts = new Counter({
    name: 'baton_send_attempts_total',
    help: 'Delivery attempts of the outbound queue by outcome (sent, retry, failed, throttled, already_done, in_doubt)',
    labelNames: ['outcome'],
    registers: [registry],
  })
  const decisions = new Counter({ name: 'baton_decisions_total', help: 'Handling decisions by mode (command = a chat command)', labelNames: ['mode'], registers: [registry] })
  let gauges: LiveGauges | null = null
  registerLiveGauges(registry, () => gauges)
  registerResilienceGauges(registry, () => gauges?.resilience?.())
  return {
    registry,
    inboundIgnored: (reason) => ignored.inc({ reason }),
    inboundRecorded: (channel) => recorded.inc({ channel }),
    inboundDuplicate: () => duplicate.inc(),
    inboundUnloaded: () => unloaded.inc(),
    timerFired: (step, lateMs) => timerLateness.observe({ step }, Math.max(0, lateMs) / 1000),
    sendFinished: (outcome) => sendAttempts.inc({ outcome }),
    decided: (mode) => decisions.inc({ mode }),
    attachGauges: (g) => {
      gauges = g
    },
  }
}

// a scrape during an outage still answers: a figure that cannot be read is left out
async function tolerant<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read()
  } catch {
    return null
  }
}

/** Gauges read at scrape time from whatever `current()` holds (nothing until gauges are attached). */
function registerLiveGauges(registry: Registry, current: () => LiveGauges | null): void {
  new Gauge({
    name: 'baton_queue_jobs',
    help: 'BullMQ jobs by queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const g = current()
      if (!g) return
      this.reset()
      for (const [queue, counts] of Object.entries((await tolerant(() => g.queueCounts())) ?? {})) for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n)
    },
  })
  new Gauge({
    name: 'baton_sends',
    help: 'Outbound sends by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const g = current()
      if (!g) return
      this.reset()
      for (const [status, n] of Object.entries((await tolerant(() => g.sendsByStatus())) ?? {})) this.set({ status }, n)
    },
  })
  new Gauge({
    name: 'baton_oldest_queued_send_age_seconds',
    help: 'Age of the oldest send not yet delivered',
    registers: [registry],
    async collect() {
      const g = current()
      const age = g ? await tolerant(() => g.oldestQueuedSendAgeSeconds()) : null
      if (age !== null) this.set(age)
    },
  })
  new Gauge({
    name: 'baton_cases_waiting',
    help: 'Open cases by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const g = current()
      if (!g) return
      this.reset()
      for (const [state, n] of Object.entries((await tolerant(() => g.waitingByState())) ?? {})) this.set({ state }, n)
    },
  })
  new Gauge({
    name: 'baton_wecom_logged_in',
    help: '1 when the WeCom session is logged in (absent without a bot role)',
    registers: [registry],
    collect() {
      const v = current()?.wecomLoggedIn()
      if (v !== null && v !== undefined) this.set(v ? 1 : 0)
    },
  })
}

/** The staying-up figures of the bot role: connection status, last sign of life, resets, spool, send rate. */
function registerResilienceGauges(registry: Registry, figures: () => ResilienceFigures | undefined): void {
  new Gauge({
    name: 'baton_wecom_connection',
    help: 'WeCom connection status as the watchdog sees it (1 for the current status)',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      const f = figures()
      if (!f) return
      for (const status of CONNECTION_STATUSES) this.set({ status }, f.connectionStatus === status ? 1 : 0)
    },
  })
  const simple = (name: string, help: string, read: (f: ResilienceFigures) => number | null): void =>
    void new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const f = figures()
        const v = f ? read(f) : null
        if (v !== null) this.set(v)
      },
    })
  simple('baton_wecom_last_sign_of_life_age_seconds', 'Seconds since the last event or heartbeat from the puppet', (f) => f.lastSignOfLifeAgeSeconds)
  simple('baton_wecom_resets', 'Puppet resets done by the watchdog since start', (f) => f.resets)
  simple('baton_inbound_spool_depth', 'Inbound messages waiting in the local spool for PostgreSQL', (f) => f.spoolDepth)
  simple('baton_send_rate_per_minute', 'Current per-account send rate (lowered after "too frequent" refusals)', (f) => f.sendRatePerMinute)
  simple('baton_send_refusals', 'Too-frequent refusals in the current throttling episode', (f) => f.sendRefusals)
}
